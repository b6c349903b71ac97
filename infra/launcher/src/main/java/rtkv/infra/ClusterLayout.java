package rtkv.infra;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import rtkv.config.RtkvSettings;
import rtkv.config.Service;
import rtkv.config.Setting;
import rtkv.config.Settings;

/**
 * Where each part of a local cluster lives: its data directory and its ports.
 *
 * @param dataDir            every shard's, the broker's and the relays' data, logs and pid files
 * @param shardPorts         one MariaDB per entry; shard i listens on shardPorts[i]
 * @param kafkaPorts         one Kafka broker per entry; broker i's client listener
 * @param kafkaControllerPorts broker i's KRaft controller listener (every broker is also a controller)
 * @param relayPorts         relay i's health endpoint (/healthz, /readyz)
 * @param apiPort            api-service's HTTP port
 * @param fanoutPort         the fanout node's WebSocket and health port
 * @param partitions         partitions of topic rtkv.changes when the relays create it
 */
public record ClusterLayout(Path dataDir, List<Integer> shardPorts, List<Integer> kafkaPorts,
                            List<Integer> kafkaControllerPorts, List<Integer> relayPorts, int apiPort, int fanoutPort,
                            int partitions) {

    public static final int DEFAULT_PARTITIONS = 8;
    /** Brokers a local Kafka may have: one, or three for replication 3 with min.insync.replicas 2. */
    public static final List<Integer> KAFKA_BROKER_COUNTS = List.of(1, 3);

    public ClusterLayout {
        dataDir = dataDir.toAbsolutePath().normalize();
        shardPorts = List.copyOf(shardPorts);
        kafkaPorts = List.copyOf(kafkaPorts);
        kafkaControllerPorts = List.copyOf(kafkaControllerPorts);
        relayPorts = List.copyOf(relayPorts);
        if (shardPorts.size() != relayPorts.size() || shardPorts.isEmpty()) {
            throw new IllegalArgumentException("one relay port per shard is needed");
        }
        if (kafkaPorts.size() != kafkaControllerPorts.size() || !KAFKA_BROKER_COUNTS.contains(kafkaPorts.size())) {
            throw new IllegalArgumentException("1 or 3 Kafka brokers, each with a client and a controller port");
        }
        List<Integer> all = new ArrayList<>(shardPorts);
        all.addAll(kafkaPorts);
        all.addAll(kafkaControllerPorts);
        all.addAll(relayPorts);
        all.add(apiPort);
        all.add(fanoutPort);
        if (Set.copyOf(all).size() != all.size()) {
            throw new IllegalArgumentException("two parts of the cluster would share a port: " + all);
        }
    }

    /** The ports README documents: shards 3307 and 3308, Kafka 9092, api 8080, fanout 8081. */
    public static ClusterLayout standard(Path dataDir) {
        return new ClusterLayout(dataDir, List.of(3307, 3308), List.of(9092), List.of(9093), List.of(8090, 8091), 8080,
                8081, DEFAULT_PARTITIONS);
    }

    /** A cluster that can run beside any other, as integration tests need. */
    public static ClusterLayout onFreePorts(Path dataDir, int shards) {
        return onFreePorts(dataDir, shards, 1);
    }

    /** The same with {@code kafkaBrokers} brokers (1 or 3). */
    public static ClusterLayout onFreePorts(Path dataDir, int shards, int kafkaBrokers) {
        List<Integer> ports = freePorts(2 * shards + 2 * kafkaBrokers + 2);
        int k = 2 * shards;
        return new ClusterLayout(dataDir, ports.subList(0, shards), ports.subList(k, k + kafkaBrokers),
                ports.subList(k + kafkaBrokers, k + 2 * kafkaBrokers), ports.subList(shards, 2 * shards),
                ports.get(k + 2 * kafkaBrokers), ports.get(k + 2 * kafkaBrokers + 1), DEFAULT_PARTITIONS);
    }

    /** The first broker's client port. */
    public int kafkaPort() {
        return kafkaPorts.get(0);
    }

    /** The first broker's controller port. */
    public int kafkaControllerPort() {
        return kafkaControllerPorts.get(0);
    }

    public int kafkaBrokers() {
        return kafkaPorts.size();
    }

    /**
     * This layout with {@code brokers} Kafka brokers; broker i (from 0) listens on the first broker's
     * ports plus 2i: 9092 and 9093, 9094 and 9095, 9096 and 9097 by default.
     */
    public ClusterLayout withKafkaBrokers(int brokers) {
        if (!KAFKA_BROKER_COUNTS.contains(brokers)) {
            throw new LauncherException("a local Kafka has 1 or 3 brokers, not " + brokers);
        }
        List<Integer> ports = new ArrayList<>();
        List<Integer> controllerPorts = new ArrayList<>();
        for (int i = 0; i < brokers; i++) {
            ports.add(kafkaPort() + 2 * i);
            controllerPorts.add(kafkaControllerPort() + 2 * i);
        }
        return new ClusterLayout(dataDir, shardPorts, ports, controllerPorts, relayPorts, apiPort, fanoutPort, partitions);
    }

    /**
     * The layout {@code ./rtkv} uses: the standard one, moved by RTKV_DATA_DIR (default ./.rtkv), RTKV_SHARD_PORTS (3307,3308), RTKV_KAFKA_PORT (9092),
     * RTKV_KAFKA_CONTROLLER_PORT (9093), RTKV_RELAY_PORTS (8090,8091), RTKV_API_PORT (8080),
     * RTKV_FANOUT_PORT (8081), RTKV_TOPIC_PARTITIONS (8); with as many Kafka brokers as the data
     * directory's Kafka was formatted with (one before the first start).
     */
    public static ClusterLayout configured(Map<String, String> env) {
        ClusterLayout standard = standard(RtkvHome.locate().root().resolve(".rtkv"));
        Settings settings = new Settings(Service.LOCAL_CLUSTER, env);
        Path dataDir = settings.getOr(RtkvSettings.DATA_DIR, standard.dataDir());
        List<Integer> shardPorts = ports(settings, RtkvSettings.SHARD_PORTS, standard.shardPorts());
        List<Integer> relayPorts = ports(settings, RtkvSettings.RELAY_PORTS, standard.relayPorts());
        if (shardPorts.size() != relayPorts.size()) {
            settings.problem("RTKV_SHARD_PORTS and RTKV_RELAY_PORTS must list as many ports (one relay per shard)");
        }
        int kafkaPort = settings.getOr(RtkvSettings.KAFKA_PORT, standard.kafkaPort());
        int kafkaControllerPort = settings.getOr(RtkvSettings.KAFKA_CONTROLLER_PORT, standard.kafkaControllerPort());
        int apiPort = settings.getOr(RtkvSettings.API_PORT, standard.apiPort());
        int fanoutPort = settings.getOr(RtkvSettings.FANOUT_PORT, standard.fanoutPort());
        int partitions = settings.getOr(RtkvSettings.TOPIC_PARTITIONS, standard.partitions());
        settings.validate();
        try {
            return new ClusterLayout(dataDir, shardPorts, List.of(kafkaPort), List.of(kafkaControllerPort), relayPorts,
                    apiPort, fanoutPort, partitions).withKafkaBrokers(KafkaBroker.formattedBrokers(dataDir).orElse(1));
        } catch (IllegalArgumentException e) {
            // Ports that collide: a message for the user, not a stack trace.
            throw new LauncherException("the local cluster's ports: " + e.getMessage());
        }
    }

    private static List<Integer> ports(Settings settings, Setting<List<String>> setting, List<Integer> fallback) {
        if (!settings.isSet(setting)) {
            return fallback;
        }
        try {
            return settings.get(setting).stream().map(Integer::parseInt).toList();
        } catch (NumberFormatException e) {
            settings.problem(setting + " must be a comma-separated list of ports");
            return fallback;
        }
    }

    public int shards() {
        return shardPorts.size();
    }

    /** Every broker, as clients are given them. */
    String kafkaBootstrap() {
        return kafkaPorts.stream().map(port -> "127.0.0.1:" + port).collect(Collectors.joining(","));
    }

    private static List<Integer> freePorts(int count) {
        // All sockets stay open until every port is chosen, so no port is handed out twice.
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            List<Integer> ports = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                sockets.add(socket);
                ports.add(socket.getLocalPort());
            }
            return ports;
        } catch (IOException e) {
            throw new LauncherException("cannot find free ports", e);
        } finally {
            for (ServerSocket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // the port is free again either way
                }
            }
        }
    }
}
