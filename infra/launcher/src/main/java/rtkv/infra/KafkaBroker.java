package rtkv.infra;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/**
 * One KRaft Kafka node (broker and controller in one process) from the kafka_2.13 jar, one of the
 * layout's one or three. With three, every node is a voter of the controller quorum, so the cluster
 * keeps working with one down, and the internal topics and new topics get replication 3 with
 * {@code min.insync.replicas} 2: an acknowledged write is on two brokers at least.
 */
final class KafkaBroker extends ProcessComponent {

    private static final Duration FORMAT_TIMEOUT = Duration.ofMinutes(2);

    private final int nodeId;
    private final ClusterLayout layout;
    private final Path dir;
    private final RtkvHome home;
    private final Supplier<String> clusterId;
    private final Optional<SecuredLinks> secured;

    /**
     * Node {@code nodeId} (from 1) of the layout's brokers; {@code clusterId} is asked once, when the node
     * is formatted at its first start, and answers the same for every node of the cluster; with {@code secured}
     * it takes SASL_SSL only.
     */
    KafkaBroker(int nodeId, ClusterLayout layout, Supplier<String> clusterId, Optional<SecuredLinks> secured,
                RtkvHome home, Clock clock) {
        super(name(nodeId), layout.dataDir(), clock);
        this.secured = secured;
        this.clusterId = clusterId;
        this.nodeId = nodeId;
        this.layout = layout;
        this.dir = layout.dataDir().resolve(name(nodeId));
        this.home = home;
    }

    /** "kafka" for the first broker, as with one; "kafka-2", "kafka-3" for the others. */
    static String name(int nodeId) {
        return nodeId == 1 ? "kafka" : "kafka-" + nodeId;
    }

    /** How many brokers the data directory's Kafka was formatted with; empty before its first start. */
    static Optional<Integer> formattedBrokers(Path clusterDir) {
        if (!Files.isRegularFile(clusterDir.resolve(name(1)).resolve("data/meta.properties"))) {
            return Optional.empty();
        }
        int brokers = 1;
        while (Files.isDirectory(clusterDir.resolve(name(brokers + 1)))) {
            brokers++;
        }
        return Optional.of(brokers);
    }

    private int port() {
        return layout.kafkaPorts().get(nodeId - 1);
    }

    private int controllerPort() {
        return layout.kafkaControllerPorts().get(nodeId - 1);
    }

    @Override
    public List<Integer> ports() {
        return List.of(port(), controllerPort());
    }

    private String bootstrap() {
        return "127.0.0.1:" + port();
    }

    @Override
    public void start() {
        Path config = dir.resolve("server.properties");
        Path logConfig = dir.resolve("log4j2.properties");
        Path data = dir.resolve("data");
        String classpath = home.classpathOf("infra/kafka-broker");
        try {
            Files.createDirectories(data);
            // With secured links it holds the broker's SCRAM and key store passwords.
            Secrets.writeOwnerOnly(config);
            Files.write(config, serverProperties(data));
            Files.write(logConfig, LOG_CONFIG);
        } catch (IOException e) {
            throw new LauncherException("cannot write the broker's configuration in " + dir, e);
        }
        if (!Files.isRegularFile(data.resolve("meta.properties"))) {
            List<String> format = new ArrayList<>(List.of(Executables.java().toString(), "-cp", classpath,
                    "-Dlog4j2.configurationFile=" + logConfig, "kafka.tools.StorageTool", "format",
                    "-t", clusterId.get(), "-c", config.toString()));
            secured.ifPresent(links -> format.addAll(links.scramUsers()));
            process.runToCompletion(format, FORMAT_TIMEOUT);
        }
        process.start(List.of(Executables.java().toString(), "-Xms256m", "-Xmx768m", "-XX:+ExitOnOutOfMemoryError",
                "-Djava.awt.headless=true", "-Dlog4j2.configurationFile=" + logConfig,
                "-cp", classpath, "kafka.Kafka", config.toString()), Map.of());
    }

    private List<String> serverProperties(Path data) {
        int brokers = layout.kafkaBrokers();
        String replication = Integer.toString(brokers);
        String minInSync = Integer.toString(Math.min(2, brokers));
        List<String> voters = new ArrayList<>();
        for (int node = 1; node <= brokers; node++) {
            voters.add(node + "@127.0.0.1:" + layout.kafkaControllerPorts().get(node - 1));
        }
        List<String> properties = new ArrayList<>(List.of(
                "process.roles=broker,controller",
                "node.id=" + nodeId,
                "controller.quorum.voters=" + String.join(",", voters),
                "controller.listener.names=CONTROLLER"));
        properties.addAll(secured.map(links -> links.brokerProperties(port(), controllerPort())).orElse(List.of(
                "listeners=PLAINTEXT://127.0.0.1:" + port() + ",CONTROLLER://127.0.0.1:" + controllerPort(),
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port(),
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT")));
        properties.addAll(List.of(
                "log.dirs=" + data,
                // Topics are created on purpose, with their settings, never by a typo in a client.
                "auto.create.topics.enable=false",
                "num.partitions=1",
                "default.replication.factor=" + replication,
                "min.insync.replicas=" + minInSync,
                "offsets.topic.replication.factor=" + replication,
                "offsets.topic.num.partitions=4",
                "transaction.state.log.replication.factor=" + replication,
                "transaction.state.log.min.isr=" + minInSync,
                "share.coordinator.state.topic.replication.factor=" + replication,
                "share.coordinator.state.topic.min.isr=" + minInSync,
                "group.initial.rebalance.delay.ms=0",
                "log.retention.hours=168"));
        return properties;
    }

    private static final List<String> LOG_CONFIG = List.of(
            "status = warn",
            "appender.console.type = Console",
            "appender.console.name = STDOUT",
            "appender.console.layout.type = PatternLayout",
            "appender.console.layout.pattern = [%d] %p %m (%c)%n",
            "rootLogger.level = warn",
            "rootLogger.appenderRef.stdout.ref = STDOUT",
            "logger.started.name = kafka.server.KafkaRaftServer",
            "logger.started.level = info");

    @Override
    protected String notReadyBecause() {
        Properties properties = secured.map(links -> links.kafkaLink(bootstrap()).clientProperties())
                .orElseGet(Properties::new);
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000);
        properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3_000);
        try (Admin admin = Admin.create(properties)) {
            return admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty() ? "no broker registered" : null;
        } catch (ExecutionException | TimeoutException e) {
            return e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LauncherException("interrupted while waiting for " + name(), e);
        }
    }

    /** The id every Kafka node of this cluster is formatted with, made at the first start and kept in the data directory. */
    static synchronized String clusterId(Path dataDir) {
        Path file = dataDir.resolve("kafka-cluster.id");
        try {
            if (!Files.isRegularFile(file)) {
                Files.writeString(file, Uuid.randomUuid().toString());
            }
            return Files.readString(file).strip();
        } catch (IOException e) {
            throw new LauncherException("cannot keep Kafka's cluster id in " + file, e);
        }
    }
}
