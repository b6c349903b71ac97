package rtkv.infra;

import java.io.PrintStream;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import rtkv.config.ConfigException;

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
            ClusterLayout layout = ClusterLayout.configured(System.getenv());
            switch (command) {
                case "up" -> up(withBrokersAsked(layout, List.of(args)), List.of(args).contains("--detach"), out);
                case "down" -> down(layout, out);
                case "status" -> status(layout, out);
                case "watch" -> {
                    if (args.length != 2) {
                        throw new LauncherException("usage: ./rtkv watch TABLE");
                    }
                    Watch.run("ws://127.0.0.1:" + layout.fanoutPort(), args[1], LocalCluster.of(layout).adminKey(), out);
                }
                case "log" -> {
                    List<String> rest = List.of(args).subList(1, args.length);
                    String table = rest.stream().filter(a -> !a.startsWith("--")).findFirst().orElse(null);
                    ChangeLog.follow(layout.kafkaBootstrap(), table, rest.contains("--from-beginning"), out);
                }
                default -> throw new LauncherException(
                        "usage: ./rtkv up [--detach] [--kafka-brokers 1|3] | down | status | watch TABLE | log [TABLE] [--from-beginning] | test");
            }
        } catch (LauncherException | ConfigException e) {
            System.err.println("rtkv: " + e.getMessage());
            System.exit(1);
        }
    }

    /**
     * {@code --kafka-brokers N}: how many Kafka brokers a new cluster gets. A data directory keeps the
     * count its Kafka was formatted with; asking for another is an error, not a silent reformat.
     */
    private static ClusterLayout withBrokersAsked(ClusterLayout layout, List<String> args) {
        int flag = args.indexOf("--kafka-brokers");
        if (flag < 0) {
            return layout;
        }
        int brokers;
        try {
            brokers = Integer.parseInt(flag + 1 < args.size() ? args.get(flag + 1) : "");
        } catch (NumberFormatException e) {
            throw new LauncherException("--kafka-brokers takes a number: 1 or 3");
        }
        Optional<Integer> formatted = KafkaBroker.formattedBrokers(layout.dataDir());
        if (formatted.isPresent() && formatted.get() != brokers) {
            throw new LauncherException("the Kafka in " + layout.dataDir() + " has " + formatted.get() + " broker(s), not "
                    + brokers + "; start it as it is, or remove the data directory for a new cluster");
        }
        return layout.withKafkaBrokers(brokers);
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
        out.println("rtkv: starting in " + layout.dataDir() + " (logs in " + layout.dataDir().resolve("logs") + "), on Java "
                + Executables.javaFeature() + " from " + Executables.java());
        cluster.startShards();
        out.println("rtkv: MariaDB shards ready on ports " + layout.shardPorts());
        cluster.startKafka();
        out.println("rtkv: Kafka ready on " + layout.kafkaBootstrap()
                + (layout.kafkaBrokers() > 1 ? " (replication " + layout.kafkaBrokers() + ", min.insync.replicas 2)" : ""));
        cluster.startServices();
        DemoData.Pages pages = new DemoData(cluster.apiUrl(), cluster.adminKey()).loadIfEmpty(layout.dataDir());
        out.printf("""
                rtkv is up.
                  console     %s
                  article     %s
                  HTTP API    %s/v1/tables/{table}/keys/{key}
                  WebSocket   %s/v1/tables/{table}/subscribe
                  Kafka       %s, topic rtkv.changes
                  MariaDB     127.0.0.1:%s, database rtkv, user rtkv (password in %s)
                  admin key   %s (send it as Authorization: Bearer KEY)
                  try         curl -X PUT %s/v1/tables/demo/keys/a -H "Authorization: Bearer $(cat %s)" -d '{"n":1}'
                              ./rtkv watch demo
                """, pages.console(), pages.article(), cluster.apiUrl(), cluster.fanoutUrl(), layout.kafkaBootstrap(), layout.shardPorts(),
                layout.dataDir().resolve("secrets.properties"), layout.dataDir().resolve(Secrets.ADMIN_KEY_FILE),
                cluster.apiUrl(), layout.dataDir().resolve(Secrets.ADMIN_KEY_FILE));
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
