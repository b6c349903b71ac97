package rtkv.infra;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/** One KRaft Kafka broker (broker and controller in one process) from the kafka_2.13 jar. */
final class KafkaBroker extends ProcessComponent {

    private static final Duration FORMAT_TIMEOUT = Duration.ofMinutes(2);

    private final int port;
    private final int controllerPort;
    private final Path dir;
    private final RtkvHome home;

    KafkaBroker(int port, int controllerPort, Path clusterDir, RtkvHome home, Clock clock) {
        super("kafka", clusterDir, clock);
        this.port = port;
        this.controllerPort = controllerPort;
        this.dir = clusterDir.resolve("kafka");
        this.home = home;
    }

    @Override
    public List<Integer> ports() {
        return List.of(port, controllerPort);
    }

    String bootstrap() {
        return "127.0.0.1:" + port;
    }

    @Override
    public void start() {
        Path config = dir.resolve("server.properties");
        Path logConfig = dir.resolve("log4j2.properties");
        Path data = dir.resolve("data");
        String classpath = home.classpathOf("infra/kafka-broker");
        try {
            Files.createDirectories(data);
            Files.write(config, serverProperties(data));
            Files.write(logConfig, LOG_CONFIG);
        } catch (IOException e) {
            throw new LauncherException("cannot write the broker's configuration in " + dir, e);
        }
        if (!Files.isRegularFile(data.resolve("meta.properties"))) {
            process.runToCompletion(List.of(Executables.java().toString(), "-cp", classpath,
                    "-Dlog4j2.configurationFile=" + logConfig, "kafka.tools.StorageTool", "format",
                    "-t", Uuid.randomUuid().toString(), "-c", config.toString()), FORMAT_TIMEOUT);
        }
        process.start(List.of(Executables.java().toString(), "-Xms256m", "-Xmx768m", "-XX:+ExitOnOutOfMemoryError",
                "-Djava.awt.headless=true", "-Dlog4j2.configurationFile=" + logConfig,
                "-cp", classpath, "kafka.Kafka", config.toString()), Map.of());
    }

    private List<String> serverProperties(Path data) {
        return List.of(
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "log.dirs=" + data,
                // Topics are created on purpose, with their settings, never by a typo in a client.
                "auto.create.topics.enable=false",
                "num.partitions=1",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=4",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "log.retention.hours=168");
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
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000);
        properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3_000);
        try (Admin admin = Admin.create(properties)) {
            return admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty() ? "no broker registered" : null;
        } catch (ExecutionException | TimeoutException e) {
            return e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LauncherException("interrupted while waiting for kafka", e);
        }
    }
}
