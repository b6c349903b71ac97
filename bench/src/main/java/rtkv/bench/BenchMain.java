package rtkv.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import rtkv.infra.ClusterLayout;
import rtkv.infra.LocalCluster;

/**
 * {@code ./rtkv bench kv [--clients N] [--seconds S] [--warmup S] [--tables T] [--keys K]}: the seed's
 * mixed workload through api-service, then the same workload straight to the shards over JDBC, in the
 * same run, and the ratio. {@code ./rtkv bench claps [--readers N] [--claps R] [--seconds S] [--conflate MS]}:
 * readers of one hot article, see {@link ClapsRun}. Both need a running local cluster
 * ({@code ./rtkv up --detach}).
 */
public final class BenchMain {

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = System.out;
        if (args.length == 0 || !(args[0].equals("kv") || args[0].equals("claps"))) {
            System.err.println("usage: ./rtkv bench kv [--clients 32] [--seconds 20] [--warmup 10] [--tables 16] [--keys 1000]\n"
                    + "       ./rtkv bench claps [--readers 10000] [--claps 500] [--seconds 30] [--conflate 250] [--clappers 50]");
            System.exit(2);
        }
        if (args[0].equals("claps")) {
            claps(options(args, Map.of("readers", 10_000, "claps", 500, "seconds", 30, "conflate", 250, "clappers", 50)), out);
            return;
        }
        Map<String, Integer> options = options(args, Map.of("clients", 32, "seconds", 20, "warmup", 10, "tables", 16,
                "keys", 1000));
        LoadRun.Setup setup = new LoadRun.Setup(options.get("clients"), options.get("warmup"), options.get("seconds"),
                options.get("tables"), options.get("keys"), "{\"payload\":\"" + "x".repeat(80) + "\",\"n\":12345}");
        ClusterLayout layout = ClusterLayout.configured(System.getenv());
        LocalCluster cluster = running(layout);
        List<String> shards = new ArrayList<>();
        for (int i = 0; i < layout.shards(); i++) {
            shards.add(cluster.shardJdbcUrl(i));
        }
        out.printf(Locale.ROOT, "rtkv bench kv: %d clients, %d s measured after %d s warm-up, %d tables x %d keys, "
                        + "values of %d bytes, 80%% get / 15%% put / 5%% delete, %d shards, Java %s, %d cores%n",
                setup.clients(), setup.seconds(), setup.warmupSeconds(), setup.tables(), setup.keysPerTable(),
                setup.value().length(), shards.size(), Runtime.version(), Runtime.getRuntime().availableProcessors());
        preload(shards, cluster, setup);

        LoadRun.Result http = LoadRun.run("http", () -> new HttpTarget(cluster.apiUrl(), cluster.adminKey()), setup, out);
        LoadRun.Result jdbc = LoadRun.run("jdbc", () -> new JdbcTarget(shards, cluster.appUser(), cluster.appPassword()),
                setup, out);

        out.println();
        out.printf(Locale.ROOT, "%-8s %10s %9s %9s %9s %9s %7s%n", "target", "ops/s", "p50 ms", "p99 ms", "p999 ms", "max ms", "errors");
        for (LoadRun.Result r : List.of(http, jdbc)) {
            out.printf(Locale.ROOT, "%-8s %10.0f %9.2f %9.2f %9.2f %9.2f %7d%n", r.target(), r.perSecond(), r.millis(50),
                    r.millis(99), r.millis(99.9), r.latency().getMaxValue() / 1e6, r.errors());
        }
        out.printf(Locale.ROOT, "http/jdbc: throughput %.2fx, p50 %.2fx, p99 %.2fx, p999 %.2fx%n",
                http.perSecond() / jdbc.perSecond(), http.millis(50) / jdbc.millis(50), http.millis(99) / jdbc.millis(99),
                http.millis(99.9) / jdbc.millis(99.9));
        Path saved = save(setup, List.of(http, jdbc));
        out.println("results: " + saved);
    }

    private static LocalCluster running(ClusterLayout layout) {
        LocalCluster cluster = LocalCluster.of(layout);
        if (!cluster.runningParts().containsAll(List.of("api", "fanout", "mariadb-0"))) {
            System.err.println("rtkv bench: no cluster is running from " + layout.dataDir() + "; start one with ./rtkv up --detach");
            System.exit(1);
        }
        return cluster;
    }

    private static void claps(Map<String, Integer> options, PrintStream out) throws Exception {
        ClapsRun.Setup setup = new ClapsRun.Setup(options.get("readers"), options.get("claps"), options.get("seconds"),
                options.get("conflate"), options.get("clappers"));
        LocalCluster cluster = running(ClusterLayout.configured(System.getenv()));
        out.printf(Locale.ROOT, "rtkv bench claps: %d readers of one article conflated to %d ms, %d claps/s for %d s"
                        + " from %d clappers sending every 200 ms, Java %s, %d cores%n", setup.readers(), setup.conflateMillis(),
                setup.clapsPerSecond(), setup.seconds(), setup.clappers(), Runtime.version(),
                Runtime.getRuntime().availableProcessors());
        ClapsRun.Result r = new ClapsRun(setup, cluster.apiUrl(), cluster.fanoutUrl(), cluster.adminKey(), out).run();
        out.println();
        out.printf(Locale.ROOT, "readers subscribed          %d of %d, %d dropped during the run%n", r.connected(),
                r.readers(), r.dropped());
        out.printf(Locale.ROOT, "claps answered              %d (%.0f/s) in %d increments (%.0f/s), %d failed%n",
                r.clapsAcked(), r.clapsPerSecond(), r.requests(), r.requestsPerSecond(), r.clapErrors());
        out.printf(Locale.ROOT, "final count                 %d: %s%n", r.finalCount(), r.exact() ? "exact"
                : "NOT the number of claps answered");
        out.printf(Locale.ROOT, "frames per reader per s     %.2f mean, %.2f max (baseline reader without conflation: %.1f;"
                + " %.3fx)%n", r.framesPerReaderPerSecond(), r.maxFramesPerReaderPerSecond(), r.baselineFramesPerSecond(),
                r.framesPerReaderPerSecond() / r.baselineFramesPerSecond());
        out.printf(Locale.ROOT, "last click -> every reader  p50 %.0f ms, p99 %.0f ms, max %.0f ms (baseline reader: %.0f ms);"
                + " %d readers never showed the final count%n", r.delayP50Millis(), r.delayP99Millis(), r.delayMaxMillis(),
                r.baselineDelayMillis(), r.readersBehind());
        Path dir = Path.of(System.getProperty("rtkv.home", ".")).resolve("bench/results");
        Files.createDirectories(dir);
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Path file = dir.resolve("claps-" + now.toString().replace(":", "") + ".json");
        Files.writeString(file, String.format(Locale.ROOT, "{\"scenario\":\"claps\",\"at\":\"%s\",\"readers\":%d,"
                        + "\"conflateMillis\":%d,\"clapsPerSecondAsked\":%d,\"seconds\":%d,\"clappers\":%d,\"connected\":%d,"
                        + "\"dropped\":%d,\"clapsAcked\":%d,\"clapsPerSecond\":%.1f,\"requests\":%d,\"clapErrors\":%d,\"finalCount\":%d,\"exact\":%b,\"framesPerReaderPerSecond\":%.3f,"
                        + "\"maxFramesPerReaderPerSecond\":%.3f,\"baselineFramesPerSecond\":%.3f,\"delayP50Ms\":%.1f,"
                        + "\"delayP99Ms\":%.1f,\"delayMaxMs\":%.1f,\"baselineDelayMs\":%.1f,\"readersBehind\":%d}%n",
                now, setup.readers(), setup.conflateMillis(), setup.clapsPerSecond(), setup.seconds(), setup.clappers(),
                r.connected(), r.dropped(), r.clapsAcked(), r.clapsPerSecond(), r.requests(), r.clapErrors(), r.finalCount(), r.exact(), r.framesPerReaderPerSecond(),
                r.maxFramesPerReaderPerSecond(), r.baselineFramesPerSecond(), r.delayP50Millis(), r.delayP99Millis(),
                r.delayMaxMillis(), r.baselineDelayMillis(), r.readersBehind()));
        out.println("results: " + file);
        if (!r.exact() || r.readersBehind() > 0 || r.dropped() > 0) {
            System.exit(1);
        }
    }

    private static Map<String, Integer> options(String[] args, Map<String, Integer> defaults) {
        Map<String, Integer> options = new HashMap<>(defaults);
        for (int i = 1; i < args.length; i += 2) {
            String name = args[i].replaceFirst("^--", "");
            if (!options.containsKey(name) || i + 1 >= args.length) {
                System.err.println("rtkv bench: unknown option " + args[i]);
                System.exit(2);
            }
            try {
                int value = Integer.parseInt(args[i + 1]);
                if (value < (name.equals("warmup") || name.equals("conflate") ? 0 : 1)) {
                    throw new NumberFormatException();
                }
                options.put(name, value);
            } catch (NumberFormatException e) {
                System.err.println("rtkv bench: --" + name + " takes a positive whole number, not " + args[i + 1]);
                System.exit(2);
            }
        }
        return options;
    }

    /** Every key exists before the clock starts, so reads hit rows and both targets start alike. */
    private static void preload(List<String> shards, LocalCluster cluster, LoadRun.Setup setup) throws Exception {
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

    private static Path save(LoadRun.Setup setup, List<LoadRun.Result> results) throws IOException {
        Path dir = Path.of(System.getProperty("rtkv.home", ".")).resolve("bench/results");
        Files.createDirectories(dir);
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        StringBuilder json = new StringBuilder();
        json.append(String.format(Locale.ROOT, "{\"scenario\":\"kv\",\"at\":\"%s\",\"clients\":%d,\"seconds\":%d,"
                        + "\"warmupSeconds\":%d,\"tables\":%d,\"keysPerTable\":%d,\"valueBytes\":%d,\"results\":[",
                now, setup.clients(), setup.seconds(), setup.warmupSeconds(), setup.tables(), setup.keysPerTable(),
                setup.value().length()));
        for (int i = 0; i < results.size(); i++) {
            LoadRun.Result r = results.get(i);
            json.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT,
                    "{\"target\":\"%s\",\"operations\":%d,\"errors\":%d,\"perSecond\":%.1f,\"p50Ms\":%.3f,\"p99Ms\":%.3f,"
                            + "\"p999Ms\":%.3f,\"maxMs\":%.3f}", r.target(), r.operations(), r.errors(), r.perSecond(),
                    r.millis(50), r.millis(99), r.millis(99.9), r.latency().getMaxValue() / 1e6));
        }
        json.append("]}\n");
        Path file = dir.resolve("kv-" + now.toString().replace(":", "") + ".json");
        Files.writeString(file, json);
        return file;
    }
}
