package rtkv.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.stream.Collectors;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * {@code ./rtkv bench tables}: many tables with a few subscribers each, written at a fixed total rate
 * through the HTTP API (an open loop: writes leave on schedule whether or not earlier ones were
 * answered). Every write's value names it, so each subscriber's frames can be checked against what was
 * acknowledged: lost, duplicated and out-of-order deliveries, and the latency of each delivery.
 *
 * <p>Commit time is not visible to a client, so latency is bracketed: from the moment the write was
 * sent (an upper bound on commit-to-delivery, and what a user feels) and from the moment its answer
 * arrived (a lower bound; 0 when the change was delivered before the answer). Clocks are one JVM's.
 */
final class TablesRun {

    /** @param perConnection 0 for a WebSocket per subscriber, or how many share each /v1/stream connection */
    record Setup(int tables, int subscribersPerTable, int writesPerSecond, int seconds, int warmupSeconds,
                 int keysPerTable, int writers, int perConnection) {
        int writes() {
            return writesPerSecond * (warmupSeconds + seconds);
        }

        int subscribers() {
            return tables * subscribersPerTable;
        }
    }

    /** Latencies in microseconds, over the writes after the warm-up. */
    record Result(int subscribers, int connected, long dropped, long writesAcked, long writeErrors, double writesPerSecond,
                  long expectedDeliveries, long delivered, long lost, long duplicated, long outOfOrder,
                  double framesPerSecond, Histogram fromSent, Histogram fromAnswer, Histogram writeLatency,
                  CpuCosts cpu, long measuredWrites, long measuredFrames) {
        /** {@code cpuSeconds} of the measured window over its writes, in microseconds. */
        double perWriteMicros(double cpuSeconds) {
            return cpuSeconds * 1e6 / measuredWrites;
        }

        /** {@code cpuSeconds} of the measured window over the frames delivered for its writes, in microseconds. */
        double perFrameMicros(double cpuSeconds) {
            return cpuSeconds * 1e6 / measuredFrames;
        }
    }

    private final Setup setup;
    private final HttpTarget http;
    private final Sockets sockets;
    private final PrintStream out;
    private final String prefix;
    private final CpuMeter cpu;
    private volatile CompletableFuture<CpuMeter.Sample> measuring;

    // Per write, indexed by its number: when it left, when it was answered (0 if not yet or failed),
    // the table it went to; written by the writers, read by Jetty's threads and the main thread.
    private final AtomicLongArray sentNanos;
    private final AtomicLongArray answeredNanos;
    private final boolean[] acked;
    private final Histogram fromSent = new ConcurrentHistogram(3);
    private final Histogram fromAnswer = new ConcurrentHistogram(3);
    /** The deliveries since the progress line last showed them. */
    private final Recorder recent = new Recorder(3);
    private final Histogram writeLatency = new Histogram(3);
    private final AtomicLong delivered = new AtomicLong();
    private volatile int measureFrom;

    TablesRun(Setup setup, String apiUrl, String fanoutUrl, String key, String prefix, CpuMeter cpu, PrintStream out) {
        this.setup = setup;
        this.cpu = cpu;
        this.http = new HttpTarget(apiUrl, key);
        this.prefix = prefix;
        this.out = out;
        this.sockets = new Sockets(fanoutUrl, key, Sockets.HANDSHAKES_IN_FLIGHT, setup.perConnection());
        this.sentNanos = new AtomicLongArray(setup.writes());
        this.answeredNanos = new AtomicLongArray(setup.writes());
        this.acked = new boolean[setup.writes()];
    }

    /** One subscriber of one table: what it was sent, checked as it arrives. */
    final class Subscriber extends Sockets.Socket {
        private final int table;
        private final BitSet seen = new BitSet();
        private final Map<String, Long> lastVersion = new HashMap<>();
        private long duplicated;
        private long outOfOrder;
        private volatile boolean live;

        Subscriber(int table) {
            this.table = table;
        }

        @Override
        protected void onFrame(String frame, long nanos) {
            if (frame.startsWith("{\"type\":\"change\"")) {
                change(frame, nanos);
            } else if (frame.startsWith("{\"type\":\"snapshot\"") && frame.contains("\"last\":true")) {
                live = true;
            }
        }

        private void change(String frame, long nanos) {
            int write = (int) number(frame, "\"value\":{\"w\":");
            String k = text(frame, "\"key\":\"");
            long version = number(frame, "\"version\":");
            synchronized (this) {
                if (seen.get(write)) {
                    duplicated++;
                    return;
                }
                seen.set(write);
                Long last = lastVersion.put(k, version);
                if (last != null && last >= version) {
                    outOfOrder++;
                }
            }
            delivered.incrementAndGet();
            if (write >= measureFrom) {
                long micros = Math.max(0, (nanos - sentNanos.get(write)) / 1_000);
                fromSent.recordValue(micros);
                recent.recordValue(micros);
                long answered = answeredNanos.get(write);
                fromAnswer.recordValue(answered == 0 ? 0 : Math.max(0, (nanos - answered) / 1_000));
            }
        }

        synchronized long missing(List<Integer> writes) {
            long missing = 0;
            for (int w : writes) {
                if (!seen.get(w)) {
                    missing++;
                }
            }
            return missing;
        }
    }

    Result run() throws Exception {
        ExecutorService writers = Executors.newFixedThreadPool(setup.writers());
        List<Subscriber> subscribers = new ArrayList<>();
        Progress progress = new Progress(out, "tables");
        try {
            long opening = System.nanoTime();
            for (int t = 0; t < setup.tables(); t++) {
                for (int s = 0; s < setup.subscribersPerTable(); s++) {
                    Subscriber subscriber = new Subscriber(t);
                    subscribers.add(subscriber);
                    sockets.subscribe(subscriber, table(t), "");
                    if (subscribers.size() % 500 == 0) {
                        progress.show(String.format(Locale.ROOT, "subscribing: %,d of %,d", subscribers.size(),
                                setup.subscribers()));
                    }
                }
            }
            long live = awaitLive(subscribers, progress);
            progress.done();
            out.printf(Locale.ROOT, "%,d of %,d subscribers live in %.1f s%n", live, subscribers.size(),
                    (System.nanoTime() - opening) / 1e9);
            if (live < subscribers.size()) {
                throw new IllegalStateException((subscribers.size() - live) + " subscribers never got their snapshot; "
                        + closeReasons(subscribers));
            }

            measureFrom = setup.writesPerSecond() * setup.warmupSeconds();
            AtomicLong errors = new AtomicLong();
            long start = write(writers, errors, progress);
            long wroteFor = System.nanoTime() - start;
            long lost = awaitDeliveries(subscribers, progress);
            // From the first measured write until its last delivery arrived, so a backlog is paid for here.
            CpuCosts costs = cpu.since(measuring.join());
            progress.done();

            long acks = 0;
            for (boolean a : acked) {
                acks += a ? 1 : 0;
            }
            long expected = acks * setup.subscribersPerTable();
            long duplicated = 0;
            long outOfOrder = 0;
            for (Subscriber s : subscribers) {
                synchronized (s) {
                    duplicated += s.duplicated;
                    outOfOrder += s.outOfOrder;
                }
            }
            closeReasons(subscribers).forEach((why, count) -> out.printf(Locale.ROOT, "%d subscribers closed: %s%n", count, why));
            return new Result(subscribers.size(), (int) live, sockets.closedCount(), acks, errors.get(),
                    setup.writes() / (wroteFor / 1e9), expected, delivered.get(), lost, duplicated, outOfOrder,
                    delivered.get() / (wroteFor / 1e9), fromSent, fromAnswer, writeLatency, costs,
                    setup.writes() - measureFrom, fromSent.getTotalCount());
        } finally {
            writers.shutdownNow();
            sockets.close();
            http.close();
        }
    }

    String table(int index) {
        return prefix + index;
    }

    private long awaitLive(List<Subscriber> subscribers, Progress progress) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            long live = subscribers.stream().filter(s -> s.live).count();
            long closed = subscribers.stream().filter(s -> !s.live && s.closed() != null).count();
            progress.show(String.format(Locale.ROOT, "subscribed: %,d of %,d live, %,d closed", live, subscribers.size(),
                    closed));
            if (live + closed >= subscribers.size() || System.nanoTime() > deadline) {
                return live;
            }
            Thread.sleep(200);
        }
    }

    /** Sends every write on its schedule; answers when the first left. */
    private long write(ExecutorService writers, AtomicLong errors, Progress progress) throws InterruptedException {
        int total = setup.writes();
        double interval = 1e9 / setup.writesPerSecond();
        long start = System.nanoTime();
        measuring = cpu.sampleAt(start + (long) (measureFrom * interval));
        long lastShown = start;
        for (int i = 0; i < total; i++) {
            long due = start + (long) (i * interval);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            int write = i;
            writers.execute(() -> put(write, due, errors));
            long now = System.nanoTime();
            if (now - lastShown >= 1_000_000_000L) {
                lastShown = now;
                Histogram last = recent.getIntervalHistogram();
                progress.show(String.format(Locale.ROOT, "%3d/%d s  %,d writes sent, %,d answered  %,d delivered  %s",
                        (now - start) / 1_000_000_000L, setup.warmupSeconds() + setup.seconds(), i + 1, answered(),
                        delivered.get(), last.getTotalCount() == 0 ? "(warm-up)" : String.format(Locale.ROOT,
                                "last second: p50 %.1f ms, p99 %.1f ms", last.getValueAtPercentile(50) / 1e3,
                                last.getValueAtPercentile(99) / 1e3)));
            }
        }
        writers.shutdown();
        if (!writers.awaitTermination(2, TimeUnit.MINUTES)) {
            throw new IllegalStateException("writes still unanswered two minutes after the last was sent");
        }
        return start;
    }

    private long answered() {
        long n = 0;
        for (int i = 0; i < answeredNanos.length(); i++) {
            n += answeredNanos.get(i) != 0 ? 1 : 0;
        }
        return n;
    }

    private void put(int write, long dueNanos, AtomicLong errors) {
        int table = write % setup.tables();
        String k = "k" + (write / setup.tables()) % setup.keysPerTable();
        long sent = System.nanoTime();
        sentNanos.set(write, sent);
        boolean ok;
        try {
            ok = http.send(Mix.PUT, table(table), k, "{\"w\":" + write + "}") == 200;
        } catch (IOException e) {
            ok = false;
        }
        long now = System.nanoTime();
        if (ok) {
            answeredNanos.set(write, now);
            acked[write] = true;
        } else {
            errors.incrementAndGet();
        }
        if (write >= measureFrom) {
            synchronized (writeLatency) {
                // From when it was due, so a backlog of writes shows as latency rather than hiding.
                writeLatency.recordValue(Math.max(0, (now - dueNanos) / 1_000));
            }
        }
    }

    /** Waits until every subscriber has every acknowledged write of its table, or for 30 s; answers how many are missing. */
    private long awaitDeliveries(List<Subscriber> subscribers, Progress progress) throws InterruptedException {
        Map<Integer, List<Integer>> byTable = new HashMap<>();
        for (int w = 0; w < acked.length; w++) {
            if (acked[w]) {
                byTable.computeIfAbsent(w % setup.tables(), t -> new ArrayList<>()).add(w);
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            long missing = 0;
            for (Subscriber s : subscribers) {
                missing += s.missing(byTable.getOrDefault(s.table, List.of()));
            }
            progress.show(String.format(Locale.ROOT, "waiting for the last deliveries: %,d missing", missing));
            if (missing == 0 || System.nanoTime() > deadline) {
                return missing;
            }
            Thread.sleep(250);
        }
    }

    private static Map<String, Long> closeReasons(List<Subscriber> subscribers) {
        return subscribers.stream().filter(s -> s.closed() != null)
                .collect(Collectors.groupingBy(Sockets.Socket::closed, Collectors.counting()));
    }

    private static long number(String frame, String field) {
        int at = frame.indexOf(field);
        if (at < 0) {
            throw new IllegalStateException("no " + field + " in " + frame);
        }
        long n = 0;
        for (int i = at + field.length(); i < frame.length() && Character.isDigit(frame.charAt(i)); i++) {
            n = n * 10 + (frame.charAt(i) - '0');
        }
        return n;
    }

    private static String text(String frame, String field) {
        int at = frame.indexOf(field);
        if (at < 0) {
            throw new IllegalStateException("no " + field + " in " + frame);
        }
        int from = at + field.length();
        return frame.substring(from, frame.indexOf('"', from));
    }
}
