package rtkv.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The memory of a running JVM, seen from outside: used heap after a full collection (with jcmd, so the
 * process needs no agent) and resident memory (from /proc). For the connections benchmark and the
 * fault tests that bound a fanout node's memory.
 */
public final class NodeMemory {

    /** G1 and Parallel say "used 123456K", ZGC "ZHeap used 82M". */
    private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)([KMG])");
    private static final Pattern RSS = Pattern.compile("VmRSS:\\s+(\\d+) kB");

    private final long pid;

    public NodeMemory(long pid) {
        this.pid = pid;
    }

    /** The used heap right after a full collection, so only live objects count. */
    public long heapAfterFullGc() throws IOException, InterruptedException {
        jcmd("GC.run");
        Matcher used = HEAP_USED.matcher(jcmd("GC.heap_info"));
        if (!used.find()) {
            throw new IllegalStateException("jcmd GC.heap_info of pid " + pid + " said nothing about used heap");
        }
        int shift = switch (used.group(2)) {
            case "K" -> 10;
            case "M" -> 20;
            default -> 30;
        };
        return Long.parseLong(used.group(1)) << shift;
    }

    /** Resident memory, in bytes. */
    public long rss() throws IOException {
        Matcher rss = RSS.matcher(Files.readString(Path.of("/proc", Long.toString(pid), "status")));
        if (!rss.find()) {
            throw new IllegalStateException("no VmRSS for pid " + pid);
        }
        return Long.parseLong(rss.group(1)) * 1024;
    }

    private String jcmd(String command) throws IOException, InterruptedException {
        // The process's own JDK's jcmd where it has one: it may run on a newer Java than this one.
        Path jcmd = ProcessHandle.of(pid).flatMap(p -> p.info().command())
                .map(java -> Path.of(java).resolveSibling("jcmd")).filter(Files::isExecutable)
                .orElse(Path.of(System.getProperty("java.home"), "bin", "jcmd"));
        Process process = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("jcmd " + pid + " " + command + " failed: " + output);
        }
        return output;
    }
}
