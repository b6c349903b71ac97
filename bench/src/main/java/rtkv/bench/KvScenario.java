package rtkv.bench;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import rtkv.infra.LocalCluster;

/**
 * {@code ./rtkv bench kv}: the seed's mixed workload through api-service and straight to the shards over
 * JDBC, closed-loop ({@link LoadRun}) and then open-loop at half of JDBC's rate ({@link OpenLoadRun}). With
 * {@code --baseline bare} also closed-loop against a {@link BareKeyServer} started for it: the least a
 * Jetty-based api-service can cost here, set beside JDBC and api-service in the same run.
 */
record KvScenario(Map<String, Integer> options, BenchOptions.Extras extras, LocalCluster cluster,
                  Environment environment, PrintStream out) {

    boolean run() throws Exception {
        LoadRun.Setup setup = new LoadRun.Setup(options.get("clients"), options.get("warmup"), options.get("seconds"),
                options.get("tables"), options.get("keys"), "{\"payload\":\"" + "x".repeat(80) + "\",\"n\":12345}");
        List<String> shards = new ArrayList<>();
        for (int i = 0; i < cluster.layout().shards(); i++) {
            shards.add(cluster.shardJdbcUrl(i));
        }
        String described = String.format(Locale.ROOT, "%d clients, %d s measured after %d s warm-up, %d tables x %d keys,"
                        + " values of %d bytes, 80%% get / 15%% put / 5%% delete, %d shards; %s", setup.clients(),
                setup.seconds(), setup.warmupSeconds(), setup.tables(), setup.keysPerTable(), setup.value().length(),
                shards.size(), environment.describe());
        out.println("rtkv bench kv: " + described);
        preload(shards, setup);

        CpuMeter cpu = CpuMeter.of(cluster);
        LoadRun.Result http = LoadRun.run("http", () -> new HttpTarget(cluster.apiUrl(), cluster.adminKey()), setup, cpu,
                out);
        LoadRun.Result jdbc = LoadRun.run("jdbc", () -> new JdbcTarget(shards, cluster.appUser(), cluster.appPassword()),
                setup, cpu, out);
        List<LoadRun.Result> closed = new ArrayList<>(List.of(http, jdbc));
        if (extras.bareBaseline()) {
            closed.add(bare(setup, shards));
        }
        // Then both at a fixed rate, half of what JDBC sustained: latency below saturation, from when each was due.
        double openRate = Math.max(1, jdbc.perSecond() / 2);
        out.printf(Locale.ROOT, "open loop: %,.0f operations/s, half of jdbc's closed-loop rate%n", openRate);
        LoadRun.Result httpOpen = OpenLoadRun.run("http", () -> new HttpTarget(cluster.apiUrl(), cluster.adminKey()),
                setup, openRate, cpu, out);
        LoadRun.Result jdbcOpen = OpenLoadRun.run("jdbc", () -> new JdbcTarget(shards, cluster.appUser(),
                cluster.appPassword()), setup, openRate, cpu, out);
        List<LoadRun.Result> all = new ArrayList<>(closed);
        all.addAll(List.of(httpOpen, jdbcOpen));

        out.printf(Locale.ROOT, "%-10s %10s %9s %9s %9s %9s %7s%n", "target", "ops/s", "p50 ms", "p99 ms", "p999 ms", "max ms",
                "errors");
        for (LoadRun.Result r : all) {
            out.printf(Locale.ROOT, "%-10s %10.0f %9.2f %9.2f %9.2f %9.2f %7d%n", r.target(), r.perSecond(), r.millis(50),
                    r.millis(99), r.millis(99.9), r.latency().getMaxValue() / 1e6, r.errors());
        }
        out.printf(Locale.ROOT, "http/jdbc: throughput %.2fx, p50 %.2fx, p99 %.2fx, p999 %.2fx%n",
                http.perSecond() / jdbc.perSecond(), http.millis(50) / jdbc.millis(50), http.millis(99) / jdbc.millis(99),
                http.millis(99.9) / jdbc.millis(99.9));
        out.printf(Locale.ROOT, "open loop, http/jdbc: p50 %.2fx, p99 %.2fx, p999 %.2fx%n", httpOpen.millis(50)
                / jdbcOpen.millis(50), httpOpen.millis(99) / jdbcOpen.millis(99), httpOpen.millis(99.9) / jdbcOpen.millis(99.9));
        if (closed.size() > 2) {
            LoadRun.Result bare = closed.get(2);
            out.printf(Locale.ROOT, "bare/jdbc: throughput %.2fx; api-service %.0f us of CPU an operation, the bare"
                            + " server %.0f us (%.2fx)%n", bare.perSecond() / jdbc.perSecond(),
                    micros(http.cpu().cpuSeconds("api"), http.operations()),
                    micros(bare.cpu().cpuSeconds("bare"), bare.operations()),
                    micros(http.cpu().cpuSeconds("api"), http.operations())
                            / micros(bare.cpu().cpuSeconds("bare"), bare.operations()));
        }
        for (LoadRun.Result r : closed) {
            out.print(r.target() + ": ");
            r.cpu().print(out, "operation", r.operations(), 0);
        }
        KvReport.save(setup, described, all, closed.size(), openRate, environment, out);
        boolean exact = all.stream().allMatch(r -> r.errors() == 0);
        out.println(exact ? "kv: no errors" : "kv: requests FAILED (see above)");
        return exact;
    }

    private static double micros(double cpuSeconds, long operations) {
        return operations > 0 ? cpuSeconds * 1e6 / operations : Double.NaN;
    }

    /** The same closed loop against a bare key server beside api-service, after a run of its own to warm it up. */
    private LoadRun.Result bare(LoadRun.Setup setup, List<String> shards) throws Exception {
        ProcessHandle api = cluster.process("api").orElseThrow(() -> new IllegalStateException(
                "api-service is not running"));
        List<String> args = new ArrayList<>(List.of("0", Integer.toString(poolSize(api))));
        args.addAll(shards);
        try (BareProcess bare = BareProcess.start(api, BareKeyServer.class, args, Map.of("BARE_DB_USER",
                cluster.appUser(), "BARE_DB_PASSWORD", cluster.appPassword()))) {
            out.printf(Locale.ROOT, "bare: a Jetty core handler with JDBC and no checks, beside api-service (pid %d, %s)%n",
                    bare.pid(), bare.options());
            String url = "http://127.0.0.1:" + bare.port();
            // A fresh JVM compiles for its first seconds; api-service has served the runs before.
            LoadRun.Setup warmUp = new LoadRun.Setup(setup.clients(), 0, Math.min(10, setup.seconds()), setup.tables(),
                    setup.keysPerTable(), setup.value());
            out.println("a warm-up run of the bare key server, not measured:");
            CpuMeter cpu = CpuMeter.of(cluster, Map.of("bare", bare.pid()));
            LoadRun.run("bare", () -> new HttpTarget(url, cluster.adminKey()), warmUp, cpu, out);
            return LoadRun.run("bare", () -> new HttpTarget(url, cluster.adminKey()), setup, cpu, out);
        }
    }

    /** api-service's connections per shard, as it was started with them (its default when it was not told). */
    private static int poolSize(ProcessHandle api) throws java.io.IOException {
        String environment = java.nio.file.Files.readString(java.nio.file.Path.of("/proc", Long.toString(api.pid()),
                "environ"));
        for (String variable : environment.split("\0")) {
            if (variable.startsWith("RTKV_DB_POOL_SIZE=")) {
                return Integer.parseInt(variable.substring("RTKV_DB_POOL_SIZE=".length()).strip());
            }
        }
        return 16;
    }

    /** Every key exists before the clock starts, so reads hit rows and both targets start alike. */
    private void preload(List<String> shards, LoadRun.Setup setup) throws Exception {
        rtkv.schema.ShardMap map = rtkv.schema.ShardMap.evenlySplit(shards.size());
        for (int shard = 0; shard < shards.size(); shard++) {
            try (Connection c = DriverManager.getConnection(shards.get(shard), cluster.appUser(), cluster.appPassword());
                 PreparedStatement insert = c.prepareStatement("INSERT INTO kv (table_id, k, v, version, expires_at, expired,"
                         + " changed_at) VALUES (?, ?, ?, 1, NULL, FALSE, ?) ON DUPLICATE KEY UPDATE v = VALUES(v),"
                         + " version = version + 1, expires_at = NULL, expired = FALSE")) {
                for (int t = 0; t < setup.tables(); t++) {
                    String table = "bench-" + t;
                    if (map.shardOf(table) != shard) {
                        continue;
                    }
                    for (int k = 0; k < setup.keysPerTable(); k++) {
                        insert.setString(1, table);
                        insert.setBytes(2, ("k" + k).getBytes(StandardCharsets.UTF_8));
                        insert.setString(3, setup.value());
                        insert.setLong(4, System.currentTimeMillis());
                        insert.addBatch();
                    }
                }
                insert.executeBatch();
            }
        }
    }
}
