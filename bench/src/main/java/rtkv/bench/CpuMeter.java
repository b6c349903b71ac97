package rtkv.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import rtkv.infra.LocalCluster;

/**
 * CPU time spent by each part of the local cluster and by this load generator over a window of a run,
 * read from {@code /proc}: a process's user and system time with its live descendants', and the whole
 * machine's busy time, so that what no part accounts for (the OS, other tenants) shows too. Linux only;
 * elsewhere every figure is 0 and {@link #available()} says so.
 */
final class CpuMeter {

    /** The part the load generator is reported as. */
    static final String LOAD_GENERATOR = "load generator";

    /** CPU ticks per part, and the machine's busy and total ticks, at one moment. */
    record Sample(long nanos, Map<String, Long> ticks, long machineBusy, long machineTotal) {
    }

    private final Map<String, Long> pids;
    private final double ticksPerSecond;
    private final Path proc;

    CpuMeter(Map<String, Long> pids, double ticksPerSecond, Path proc) {
        this.pids = Collections.unmodifiableMap(new LinkedHashMap<>(pids));
        this.ticksPerSecond = ticksPerSecond;
        this.proc = proc;
    }

    /** Every running part of the cluster, in start order, then this process. */
    static CpuMeter of(LocalCluster cluster) {
        return of(cluster, Map.of());
    }

    /** Every running part of the cluster, in start order, then {@code more} (a same-run baseline), then this process. */
    static CpuMeter of(LocalCluster cluster, Map<String, Long> more) {
        Map<String, Long> pids = new LinkedHashMap<>();
        for (String part : cluster.runningParts()) {
            cluster.process(part).ifPresent(p -> pids.put(part, p.pid()));
        }
        pids.putAll(more);
        pids.put(LOAD_GENERATOR, ProcessHandle.current().pid());
        return of(pids);
    }

    /** The named processes, in the order given. */
    static CpuMeter of(Map<String, Long> pids) {
        return new CpuMeter(pids, clockTicks(), Path.of("/proc"));
    }

    boolean available() {
        return Files.isReadable(proc.resolve("stat"));
    }

    Sample sample() {
        Map<String, Long> ticks = new LinkedHashMap<>();
        pids.forEach((part, pid) -> ticks.put(part, treeTicks(pid)));
        long[] machine = machineTicks();
        return new Sample(System.nanoTime(), ticks, machine[0], machine[1]);
    }

    /**
     * A sample taken at {@code nanoTime} (as {@link System#nanoTime()} counts), off the caller's thread:
     * reading /proc for every part must not hold back load that is due then.
     */
    CompletableFuture<Sample> sampleAt(long nanoTime) {
        return CompletableFuture.supplyAsync(this::sample, CompletableFuture.delayedExecutor(
                Math.max(0, nanoTime - System.nanoTime()), TimeUnit.NANOSECONDS));
    }

    /** What each part spent since {@code start}, in the order the parts were named. */
    CpuCosts since(Sample start) {
        Sample end = sample();
        List<CpuCosts.Part> parts = new ArrayList<>();
        start.ticks().forEach((part, before) -> parts.add(new CpuCosts.Part(part,
                Math.max(0, end.ticks().getOrDefault(part, before) - before) / ticksPerSecond)));
        double seconds = (end.nanos() - start.nanos()) / 1e9;
        double machineBusy = (end.machineBusy() - start.machineBusy()) / ticksPerSecond;
        long total = end.machineTotal() - start.machineTotal();
        // The host's CPUs as /proc/stat counts them, which a container's or taskset's limit does not change.
        double cores = total > 0 ? total / ticksPerSecond / seconds : Runtime.getRuntime().availableProcessors();
        return new CpuCosts(seconds, parts, machineBusy, (int) Math.round(cores));
    }

    /**
     * utime + stime of the process and of each of its live descendants (a shell's child, a JVM's helpers),
     * but for those measured as parts of their own (the bare broadcaster the load generator started).
     */
    private long treeTicks(long pid) {
        long ticks = processTicks(pid);
        List<Long> children = ProcessHandle.of(pid).map(p -> p.descendants().map(ProcessHandle::pid).toList())
                .orElse(List.of());
        for (long child : children) {
            ticks += pids.containsValue(child) ? 0 : processTicks(child);
        }
        return ticks;
    }

    private long processTicks(long pid) {
        try {
            return statTicks(Files.readString(proc.resolve(Long.toString(pid)).resolve("stat"), StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return 0; // gone: a part that exits within the window is charged nothing for it
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the CPU time of pid " + pid, e);
        }
    }

    /**
     * utime + stime from one {@code /proc/PID/stat} line. The command name, in parentheses, may hold
     * spaces and parentheses itself, so fields are counted from the last ')': utime and stime are the
     * 14th and 15th fields, the 12th and 13th after it.
     */
    static long statTicks(String stat) {
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).strip().split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    /** Busy and total ticks of all CPUs, from the first line of {@code /proc/stat}. */
    private long[] machineTicks() {
        if (!available()) {
            return new long[] {0, 0};
        }
        try {
            return machineTicks(Files.readAllLines(proc.resolve("stat"), StandardCharsets.UTF_8).get(0));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/stat", e);
        }
    }

    /**
     * {@code cpu user nice system idle iowait irq softirq steal ...}: busy is all but idle and iowait.
     * Steal (time the hypervisor gave another guest) counts as busy: the machine could not use it.
     */
    static long[] machineTicks(String cpuLine) {
        String[] fields = cpuLine.strip().split("\\s+");
        long busy = 0;
        long total = 0;
        for (int i = 1; i < fields.length && i <= 8; i++) {
            long ticks = Long.parseLong(fields[i]);
            total += ticks;
            busy += i == 4 || i == 5 ? 0 : ticks;
        }
        return new long[] {busy, total};
    }

    /** USER_HZ, which /proc counts in: 100 on every common Linux, asked of getconf to be sure. */
    private static double clockTicks() {
        try {
            Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(getconf.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (getconf.waitFor(10, TimeUnit.SECONDS) && getconf.exitValue() == 0) {
                return Double.parseDouble(out);
            }
        } catch (IOException | NumberFormatException e) {
            // the Linux default below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 100;
    }
}
