package rtkv.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ./rtkv bench connections}: opens idle subscribers against one fanout node and reports what
 * each costs it: heap after a full collection (read with jcmd, so the node needs no agent) and resident
 * memory, both as the difference between before and after, and the time to open them all.
 */
final class ConnectionsRun {

    /** Descriptors the node and this process need besides the subscribers' sockets. */
    private static final int SPARE_FILES = 500;
    private static final Pattern OPEN_FILES = Pattern.compile("Max open files\\s+(\\d+|unlimited)");

    /** @param perConnection 0 for a WebSocket per subscriber, or how many share each /v1/stream connection */
    record Setup(int subscribers, int perTable, int perConnection) {
    }

    /** @param openCpu what each process spent from the first handshake until every subscriber was live or gone */
    record Result(int asked, int opened, int live, long closed, double openSeconds, long heapBeforeBytes,
                  long heapAfterBytes, long rssBeforeBytes, long rssAfterBytes, CpuCosts openCpu) {
        double heapPerConnection() {
            return live == 0 ? 0 : (heapAfterBytes - heapBeforeBytes) / (double) live;
        }

        double rssPerConnection() {
            return live == 0 ? 0 : (rssAfterBytes - rssBeforeBytes) / (double) live;
        }
    }

    /** An idle subscriber: it only notes that its snapshot arrived. */
    static final class Idle extends Sockets.Socket {
        private volatile boolean live;

        @Override
        protected void onFrame(String frame, long nanos) {
            if (frame.startsWith("{\"type\":\"snapshot\"") && frame.contains("\"last\":true")) {
                live = true;
            }
        }
    }

    private final Setup setup;
    private final CpuMeter cpu;
    private final long nodePid;
    private final NodeMemory memory;
    private final Sockets sockets;
    private final String prefix;
    private final PrintStream out;

    ConnectionsRun(Setup setup, CpuMeter cpu, long nodePid, String fanoutUrl, String key, String prefix, PrintStream out) {
        this.setup = setup;
        this.cpu = cpu;
        this.nodePid = nodePid;
        this.memory = new NodeMemory(nodePid);
        this.sockets = new Sockets(fanoutUrl, key, Sockets.HANDSHAKES_IN_FLIGHT, setup.perConnection());
        this.prefix = prefix;
        this.out = out;
    }

    /**
     * How many sockets both sides can hold: each subscriber is a descriptor in this process and one in
     * the node, and neither may raise its own hard limit without privileges.
     */
    int possible() throws IOException {
        long sockets = Math.min(openFiles(ProcessHandle.current().pid()), openFiles(nodePid)) - SPARE_FILES;
        return (int) Math.min(Integer.MAX_VALUE, setup.perConnection() == 0 ? sockets : sockets * setup.perConnection());
    }

    Result run(int subscribers) throws Exception {
        Progress progress = new Progress(out, "connections");
        List<Idle> idle = new ArrayList<>();
        try {
            long heapBefore = memory.heapAfterFullGc();
            long rssBefore = memory.rss();
            long start = System.nanoTime();
            CpuMeter.Sample cpuStart = cpu.sample();
            for (int i = 0; i < subscribers; i++) {
                Idle socket = new Idle();
                idle.add(socket);
                sockets.subscribe(socket, prefix + (i / setup.perTable()), "");
                if (idle.size() % 500 == 0) {
                    progress.show(String.format(Locale.ROOT, "opening: %,d of %,d, %.0f s", idle.size(), subscribers,
                            (System.nanoTime() - start) / 1e9));
                }
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            long live;
            long closed;
            do {
                Thread.sleep(200);
                live = idle.stream().filter(s -> s.live).count();
                closed = sockets.closedCount();
                progress.show(String.format(Locale.ROOT, "%,d of %,d live, %,d closed, %.0f s", live, subscribers, closed,
                        (System.nanoTime() - start) / 1e9));
            } while (live + closed < subscribers && System.nanoTime() < deadline);
            double openSeconds = (System.nanoTime() - start) / 1e9;
            CpuCosts openCpu = cpu.since(cpuStart);
            progress.done();
            long heapAfter = memory.heapAfterFullGc();
            long rssAfter = memory.rss();
            return new Result(setup.subscribers(), subscribers, (int) live, closed, openSeconds, heapBefore, heapAfter,
                    rssBefore, rssAfter, openCpu);
        } finally {
            sockets.close();
        }
    }

    private static long openFiles(long pid) throws IOException {
        Matcher limit = OPEN_FILES.matcher(Files.readString(Path.of("/proc", Long.toString(pid), "limits")));
        if (!limit.find() || limit.group(1).equals("unlimited")) {
            return Long.MAX_VALUE;
        }
        return Long.parseLong(limit.group(1));
    }
}
