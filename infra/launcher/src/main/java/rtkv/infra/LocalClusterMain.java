package rtkv.infra;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import rtkv.config.ConfigException;
import rtkv.config.Settings;

/**
 * What {@code ./rtkv up|down|status|watch} run. Ports and the data directory can be moved with
 * environment variables (see README), so a second cluster can run beside the first.
 */
public final class LocalClusterMain {

    private LocalClusterMain() {
    }

    public static void main(String[] args) {
        PrintStream out = System.out;
        try {
            String command = args.length == 0 ? "help" : args[0];
            RtkvHome home = RtkvHome.locate();
            ClusterLayout layout = layout(home, System.getenv());
            switch (command) {
                case "up" -> up(layout, List.of(args).contains("--detach"), out);
                case "down" -> down(layout, out);
                case "status" -> status(layout, out);
                case "watch" -> {
                    if (args.length != 2) {
                        throw new LauncherException("usage: ./rtkv watch TABLE");
                    }
                    Watch.run("ws://127.0.0.1:" + layout.fanoutPort(), args[1], out);
                }
                default -> throw new LauncherException("usage: ./rtkv up [--detach] | down | status | watch TABLE | test");
            }
        } catch (LauncherException | ConfigException e) {
            System.err.println("rtkv: " + e.getMessage());
            System.exit(1);
        }
    }

    /**
     * RTKV_DATA_DIR (default ./.rtkv), RTKV_SHARD_PORTS (3307,3308), RTKV_KAFKA_PORT (9092),
     * RTKV_KAFKA_CONTROLLER_PORT (9093), RTKV_RELAY_PORTS (8090,8091), RTKV_API_PORT (8080),
     * RTKV_FANOUT_PORT (8081), RTKV_TOPIC_PARTITIONS (8).
     */
    static ClusterLayout layout(RtkvHome home, Map<String, String> env) {
        ClusterLayout standard = ClusterLayout.standard(home.root().resolve(".rtkv"));
        Settings settings = new Settings("local cluster", env);
        Path dataDir = settings.path("RTKV_DATA_DIR", standard.dataDir());
        List<Integer> shardPorts = ports(settings, "RTKV_SHARD_PORTS", standard.shardPorts());
        List<Integer> relayPorts = ports(settings, "RTKV_RELAY_PORTS", standard.relayPorts());
        if (shardPorts.size() != relayPorts.size()) {
            settings.problem("RTKV_SHARD_PORTS and RTKV_RELAY_PORTS must list as many ports (one relay per shard)");
        }
        ClusterLayout layout = new ClusterLayout(dataDir, shardPorts,
                settings.port("RTKV_KAFKA_PORT", standard.kafkaPort()),
                settings.port("RTKV_KAFKA_CONTROLLER_PORT", standard.kafkaControllerPort()),
                shardPorts.size() == relayPorts.size() ? relayPorts : shardPorts,
                settings.port("RTKV_API_PORT", standard.apiPort()),
                settings.port("RTKV_FANOUT_PORT", standard.fanoutPort()),
                settings.integer("RTKV_TOPIC_PARTITIONS", standard.partitions(), 1, 10_000));
        settings.validate();
        return layout;
    }

    private static List<Integer> ports(Settings settings, String key, List<Integer> fallback) {
        if (settings.text(key, null) == null) {
            return fallback;
        }
        try {
            return settings.list(key).stream().map(Integer::parseInt).toList();
        } catch (NumberFormatException e) {
            settings.problem(key + " must be a comma-separated list of ports");
            return fallback;
        }
    }

    private static void up(ClusterLayout layout, boolean detach, PrintStream out) {
        LocalCluster cluster = LocalCluster.of(layout);
        List<String> running = cluster.runningParts();
        if (!running.isEmpty()) {
            throw new LauncherException("a cluster is already running from " + layout.dataDir() + " (" + running
                    + "); ./rtkv down stops it");
        }
        cluster.refuseTakenPorts();
        // Registered before anything starts, so Ctrl-C during start-up leaves nothing running.
        Thread stopAll = new Thread(() -> {
            out.println("rtkv: stopping...");
            cluster.close();
            out.println("rtkv: stopped; data kept in " + layout.dataDir());
        }, "rtkv-shutdown");
        Runtime.getRuntime().addShutdownHook(stopAll);
        out.println("rtkv: starting in " + layout.dataDir() + " (logs in " + layout.dataDir().resolve("logs") + ")");
        cluster.startShards();
        out.println("rtkv: MariaDB shards ready on ports " + layout.shardPorts());
        cluster.startKafka();
        out.println("rtkv: Kafka ready on " + layout.kafkaBootstrap());
        cluster.startServices();
        out.printf("""
                rtkv is up.
                  HTTP API    %s/v1/tables/{table}/keys/{key}
                  WebSocket   %s/v1/tables/{table}/subscribe
                  Kafka       %s, topic rtkv.changes
                  MariaDB     127.0.0.1:%s, database rtkv, user rtkv (password in %s)
                  try         curl -X PUT %s/v1/tables/demo/keys/a -d '{"n":1}'
                              ./rtkv watch demo
                """, cluster.apiUrl(), cluster.fanoutUrl(), layout.kafkaBootstrap(), layout.shardPorts(),
                layout.dataDir().resolve("secrets.properties"), cluster.apiUrl());
        if (detach) {
            Runtime.getRuntime().removeShutdownHook(stopAll);
            out.println("rtkv: running in the background; ./rtkv down stops it.");
            return;
        }
        out.println("rtkv: Ctrl-C stops everything.");
        watchOver(cluster, out);
    }

    /** Reports a part that dies, once, and keeps the rest running: the user decides what to do. */
    private static void watchOver(LocalCluster cluster, PrintStream out) {
        Set<String> reported = new HashSet<>();
        while (true) {
            try {
                Thread.sleep(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            List<String> running = cluster.runningParts();
            for (String part : cluster.parts()) {
                if (running.contains(part)) {
                    reported.remove(part);
                } else if (reported.add(part)) {
                    out.println("rtkv: " + part + " has stopped; see "
                            + cluster.layout().dataDir().resolve("logs/" + part + ".log"));
                }
            }
        }
    }

    private static void down(ClusterLayout layout, PrintStream out) {
        LocalCluster cluster = LocalCluster.of(layout);
        List<String> running = cluster.runningParts();
        if (running.isEmpty()) {
            out.println("rtkv: no cluster is running from " + layout.dataDir());
            return;
        }
        cluster.close();
        out.println("rtkv: stopped " + String.join(", ", running) + "; data kept in " + layout.dataDir());
    }

    private static void status(ClusterLayout layout, PrintStream out) {
        LocalCluster cluster = LocalCluster.of(layout);
        List<String> running = cluster.runningParts();
        for (String part : cluster.parts()) {
            out.printf("%-10s %s%n", part, running.contains(part) ? "running" : "stopped");
        }
    }
}
