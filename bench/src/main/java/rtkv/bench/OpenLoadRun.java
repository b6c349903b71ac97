package rtkv.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * Open-loop load: operations leave at a fixed rate, whether or not the ones before were answered, and
 * each is timed from when it was due, so a stall shows as the latency of every operation it held back
 * rather than as fewer operations (no coordinated omission). Up to {@code clients} run at once, each
 * worker thread with its own {@link Target}; more wait in line, and their wait counts.
 */
final class OpenLoadRun {

    private OpenLoadRun() {
    }

    static LoadRun.Result run(String name, LoadRun.TargetFactory targets, LoadRun.Setup setup, double perSecond,
                              CpuMeter cpu, PrintStream progress) throws Exception {
        List<Target> opened = new ArrayList<>();
        ThreadLocal<Target> target = ThreadLocal.withInitial(() -> {
            try {
                Target t = targets.open();
                synchronized (opened) {
                    opened.add(t);
                }
                return t;
            } catch (Exception e) {
                throw new IllegalStateException("cannot open a " + name + " target", e);
            }
        });
        Histogram latency = new Histogram(TimeUnit.MINUTES.toNanos(1), 3);
        AtomicLong done = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        ExecutorService workers = Executors.newFixedThreadPool(setup.clients());
        Progress line = new Progress(progress, "kv " + name + " open loop");
        long start = System.nanoTime();
        long measureFrom = start + TimeUnit.SECONDS.toNanos(setup.warmupSeconds());
        long end = measureFrom + TimeUnit.SECONDS.toNanos(setup.seconds());
        double interval = 1e9 / perSecond;
        CompletableFuture<CpuMeter.Sample> measuring = cpu.sampleAt(measureFrom);
        long shown = start;
        // One stream split per operation: independent draws, whichever worker runs it.
        SplittableRandom draws = new SplittableRandom(42);
        try {
            for (long i = 0; ; i++) {
                long due = start + (long) (i * interval);
                if (due >= end) {
                    break;
                }
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                SplittableRandom random = draws.split();
                workers.execute(() -> {
                    Mix op = Mix.draw(random);
                    boolean ok;
                    try {
                        ok = target.get().run(op, "bench-" + random.nextInt(setup.tables()),
                                "k" + random.nextInt(setup.keysPerTable()), setup.value());
                    } catch (Exception e) {
                        ok = false;
                    }
                    long took = System.nanoTime() - due;
                    if (due >= measureFrom) {
                        if (ok) {
                            synchronized (latency) {
                                latency.recordValue(Math.min(took, latency.getHighestTrackableValue()));
                            }
                            done.incrementAndGet();
                        } else {
                            errors.incrementAndGet();
                        }
                    }
                });
                long now = System.nanoTime();
                if (now - shown >= 1_000_000_000L) {
                    shown = now;
                    line.show(String.format(Locale.ROOT, "%3d/%d s  %,.0f/s asked  %,d operations measured", (now - start)
                            / 1_000_000_000L, setup.warmupSeconds() + setup.seconds(), perSecond, done.get()));
                }
            }
            workers.shutdown();
            if (!workers.awaitTermination(2, TimeUnit.MINUTES)) {
                throw new IllegalStateException(name + " operations still unanswered two minutes after the last was due");
            }
        } finally {
            workers.shutdownNow();
            synchronized (opened) {
                for (Target t : opened) {
                    t.close();
                }
            }
        }
        CpuCosts costs = cpu.since(measuring.join());
        line.done();
        return new LoadRun.Result(name + " open", latency.getTotalCount(), errors.get(), setup.seconds(), latency, costs);
    }
}
