package rtkv.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * Closed-loop load: each client thread runs one operation after the other against its own
 * {@link Target} for a fixed time; latencies after the warm-up go into an HdrHistogram.
 */
final class LoadRun {

    /** What to run and for how long. */
    record Setup(int clients, int warmupSeconds, int seconds, int tables, int keysPerTable, String value) {
    }

    /** The outcome for one target. */
    record Result(String target, long operations, long errors, double seconds, Histogram latency, CpuCosts cpu) {
        double perSecond() {
            return operations / seconds;
        }

        double millis(double percentile) {
            return latency.getValueAtPercentile(percentile) / 1e6;
        }
    }

    interface TargetFactory {
        Target open() throws Exception;
    }

    private LoadRun() {
    }

    static Result run(String name, TargetFactory targets, Setup setup, CpuMeter cpu, PrintStream progress)
            throws Exception {
        long start = System.nanoTime();
        long measureFrom = start + TimeUnit.SECONDS.toNanos(setup.warmupSeconds());
        long end = measureFrom + TimeUnit.SECONDS.toNanos(setup.seconds());
        AtomicLong done = new AtomicLong();
        ExecutorService threads = Executors.newFixedThreadPool(setup.clients());
        List<Future<Histogram>> clients = new ArrayList<>();
        AtomicLong errors = new AtomicLong();
        for (int i = 0; i < setup.clients(); i++) {
            long seed = 42L * (i + 1);
            Callable<Histogram> client = () -> {
                Histogram latency = new Histogram(TimeUnit.MINUTES.toNanos(1), 3);
                Random random = new Random(seed);
                try (Target target = targets.open()) {
                    for (long now = System.nanoTime(); now < end; now = System.nanoTime()) {
                        Mix op = Mix.draw(random);
                        String table = "bench-" + random.nextInt(setup.tables());
                        String key = "k" + random.nextInt(setup.keysPerTable());
                        boolean ok = target.run(op, table, key, setup.value());
                        long took = System.nanoTime() - now;
                        if (now >= measureFrom) {
                            if (ok) {
                                latency.recordValue(Math.min(took, latency.getHighestTrackableValue()));
                                done.incrementAndGet();
                            } else {
                                errors.incrementAndGet();
                            }
                        }
                    }
                }
                return latency;
            };
            clients.add(threads.submit(client));
        }
        threads.shutdown();
        Progress line = new Progress(progress, "kv " + name);
        CompletableFuture<CpuMeter.Sample> measuring = cpu.sampleAt(measureFrom);
        while (!threads.awaitTermination(1, TimeUnit.SECONDS)) {
            long elapsed = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
            long measured = Math.max(0, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - measureFrom));
            line.show(String.format(Locale.ROOT, "%3d/%d s  %,d operations  %,.0f/s", elapsed,
                    setup.warmupSeconds() + setup.seconds(), done.get(), measured == 0 ? 0.0 : done.get() / (double) measured));
        }
        CpuCosts costs = cpu.since(measuring.join());
        line.done();
        Histogram total = new Histogram(TimeUnit.MINUTES.toNanos(1), 3);
        for (Future<Histogram> client : clients) {
            total.add(client.get());
        }
        return new Result(name, total.getTotalCount(), errors.get(), setup.seconds(), total, costs);
    }
}
