package rtkv.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import rtkv.infra.LocalCluster;

/**
 * {@code ./rtkv bench tables}: one {@link TablesRun} at {@code --rate}, or one per rate of {@code --rates}
 * with a summary and its knee, then with {@code --baseline bare} the same load against a
 * {@link BareBroadcaster} started for it, and the fan-out's cost per frame set against the bare one's.
 */
final class TablesScenario {

    /** The knee: the highest rate whose answer-to-delivery p99 stays under this. */
    static final double KNEE_P99_MILLIS = 100;

    private final Map<String, Integer> o;
    private final BenchOptions.Extras extras;
    private final LocalCluster cluster;
    private final Environment environment;
    private final PrintStream out;

    TablesScenario(Map<String, Integer> options, BenchOptions.Extras extras, LocalCluster cluster, Environment environment,
                   PrintStream out) {
        this.o = options;
        this.extras = extras;
        this.cluster = cluster;
        this.environment = environment;
        this.out = out;
    }

    boolean run() throws Exception {
        List<Integer> rates = extras.rates().isEmpty() ? List.of(o.get("rate")) : extras.rates();
        Map<TablesRun.Setup, TablesRun.Result> runs = new LinkedHashMap<>();
        boolean exact = true;
        for (int rate : rates) {
            TablesRun.Setup setup = setup(rate);
            out.println("rtkv bench tables: " + describe(setup));
            TablesRun.Result r = new TablesRun(setup, cluster.apiUrl(), cluster.fanoutUrl(), cluster.adminKey(),
                    "bench-tables-", CpuMeter.of(cluster), out).run();
            TablesReport.print(setup, r, out);
            TablesReport.save(setup, r, describe(setup), environment, out);
            exact &= TablesReport.exact(r, out);
            runs.put(setup, r);
        }
        if (runs.size() > 1) {
            TablesReport.sweep(runs, environment, out);
        }
        if (extras.bareBaseline()) {
            var last = runs.entrySet().stream().reduce((a, b) -> b).orElseThrow();
            exact &= bare(last.getKey(), last.getValue());
        }
        return exact;
    }

    private TablesRun.Setup setup(int rate) {
        return new TablesRun.Setup(o.get("tables"), o.get("subscribers"), rate, o.get("seconds"), o.get("warmup"),
                o.get("keys"), o.get("writers"), extras.stream());
    }

    private String describe(TablesRun.Setup setup) {
        return String.format(Locale.ROOT, "%,d tables x %d subscribers (%s), %,d writes/s for %d s"
                        + " after %d s of warm-up, %d keys per table, %d writer threads; %s", setup.tables(),
                setup.subscribersPerTable(), setup.perConnection() == 0
                        ? String.format(Locale.ROOT, "%,d WebSockets", setup.subscribers())
                        : String.format(Locale.ROOT, "%,d /v1/stream connections of %d subscriptions",
                                (setup.subscribers() + setup.perConnection() - 1) / setup.perConnection(), setup.perConnection()),
                setup.writesPerSecond(), setup.seconds(),
                setup.warmupSeconds(), setup.keysPerTable(), setup.writers(), environment.describe());
    }

    /** The same load against a bare broadcaster on the fanout node's JVM and options; its cost per frame beside rtkv's. */
    private boolean bare(TablesRun.Setup setup, TablesRun.Result rtkv) throws Exception {
        ProcessHandle fanout = cluster.process("fanout").orElseThrow(() -> new IllegalStateException(
                "the fanout node is not running"));
        try (BareProcess bare = BareProcess.start(fanout, BareBroadcaster.class, List.of("0"), Map.of())) {
            int port = bare.port();
            out.printf(Locale.ROOT, "%nrtkv bench tables --baseline bare: the same load against a bare Jetty broadcaster"
                    + " (pid %d, %s)%n", bare.pid(), bare.options());
            Map<String, Long> pids = new LinkedHashMap<>();
            pids.put("bare", bare.pid());
            pids.put(CpuMeter.LOAD_GENERATOR, ProcessHandle.current().pid());
            // A fresh JVM compiles for its first seconds; the node it is set against has run for longer.
            TablesRun.Setup warmUp = new TablesRun.Setup(setup.tables(), setup.subscribersPerTable(),
                    setup.writesPerSecond(), Math.min(10, setup.seconds()), 0, setup.keysPerTable(), setup.writers(), 0);
            out.println("a warm-up run of the bare broadcaster, not measured:");
            new TablesRun(warmUp, "http://127.0.0.1:" + port, "ws://127.0.0.1:" + port, "bare", "bench-bare-warm-",
                    CpuMeter.of(pids), out).run();
            TablesRun.Result b = new TablesRun(setup, "http://127.0.0.1:" + port, "ws://127.0.0.1:" + port, "bare",
                    "bench-bare-", CpuMeter.of(pids), out).run();
            TablesReport.print(setup, b, out);
            double rtkvPerFrame = rtkv.perFrameMicros(rtkv.cpu().fanoutSeconds());
            double barePerFrame = b.perFrameMicros(b.cpu().cpuSeconds("bare"));
            out.printf(Locale.ROOT, "fan-out CPU per delivered frame: fanout node %.1f us, bare broadcaster %.1f us: %.2fx%n",
                    rtkvPerFrame, barePerFrame, rtkvPerFrame / barePerFrame);
            TablesReport.saveBaseline(setup, rtkv, b, rtkvPerFrame, barePerFrame, environment, out);
            return TablesReport.exact(b, out);
        }
    }
}
