package rtkv.infra;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import rtkv.config.Settings;

/**
 * Where each part of a local cluster lives: its data directory and its ports.
 *
 * @param dataDir            every shard's, the broker's and the relays' data, logs and pid files
 * @param shardPorts         one MariaDB per entry; shard i listens on shardPorts[i]
 * @param kafkaPort          the broker's client listener
 * @param kafkaControllerPort the broker's KRaft controller listener
 * @param relayPorts         relay i's health endpoint (/healthz, /readyz)
 * @param apiPort            api-service's HTTP port
 * @param fanoutPort         the fanout node's WebSocket and health port
 * @param partitions         partitions of topic rtkv.changes when the relays create it
 */
public record ClusterLayout(Path dataDir, List<Integer> shardPorts, int kafkaPort, int kafkaControllerPort,
                            List<Integer> relayPorts, int apiPort, int fanoutPort, int partitions) {

    public static final int DEFAULT_PARTITIONS = 8;

    public ClusterLayout {
        dataDir = dataDir.toAbsolutePath().normalize();
        shardPorts = List.copyOf(shardPorts);
        relayPorts = List.copyOf(relayPorts);
        if (shardPorts.size() != relayPorts.size() || shardPorts.isEmpty()) {
            throw new IllegalArgumentException("one relay port per shard is needed");
        }
    }

    /** The ports README documents: shards 3307 and 3308, Kafka 9092, api 8080, fanout 8081. */
    public static ClusterLayout standard(Path dataDir) {
        return new ClusterLayout(dataDir, List.of(3307, 3308), 9092, 9093, List.of(8090, 8091), 8080, 8081,
                DEFAULT_PARTITIONS);
    }

    /** A cluster that can run beside any other, as integration tests need. */
    public static ClusterLayout onFreePorts(Path dataDir, int shards) {
        List<Integer> ports = freePorts(2 * shards + 4);
        return new ClusterLayout(dataDir, ports.subList(0, shards), ports.get(shards), ports.get(shards + 1),
                ports.subList(shards + 2, 2 * shards + 2), ports.get(2 * shards + 2), ports.get(2 * shards + 3),
                DEFAULT_PARTITIONS);
    }

    /**
     * The layout {@code ./rtkv} uses: the standard one, moved by RTKV_DATA_DIR (default ./.rtkv), RTKV_SHARD_PORTS (3307,3308), RTKV_KAFKA_PORT (9092),
     * RTKV_KAFKA_CONTROLLER_PORT (9093), RTKV_RELAY_PORTS (8090,8091), RTKV_API_PORT (8080),
     * RTKV_FANOUT_PORT (8081), RTKV_TOPIC_PARTITIONS (8).
     */
    public static ClusterLayout configured(Map<String, String> env) {
        ClusterLayout standard = standard(RtkvHome.locate().root().resolve(".rtkv"));
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

    public int shards() {
        return shardPorts.size();
    }

    String kafkaBootstrap() {
        return "127.0.0.1:" + kafkaPort;
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
