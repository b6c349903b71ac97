package rtkv.fanout;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import rtkv.infra.ClusterLayout;
import rtkv.infra.LocalCluster;
import rtkv.infra.TableSubscription;
import rtkv.schema.ChangeEvent;
import rtkv.schema.ChangeEventJson;
import rtkv.schema.ChangeOp;

/**
 * A fanout node in-process against a real MariaDB shard (snapshots) and a real Kafka broker, started
 * once for every integration test of this module. Changes are produced straight to the topic, with GTID
 * sequences above any snapshot's, as a relay would; rows are inserted straight into the shard.
 */
final class FanoutFixture implements BeforeAllCallback {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String TOPIC = "rtkv.changes";
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final AtomicLong SEQ = new AtomicLong(1_000_000);

    /** The admin key of the fixture's nodes. */
    static final String ADMIN_KEY = "rk.admin.fanout-fixture-" + "f".repeat(30);

    static LocalCluster cluster;
    static FanoutServer server;
    static KafkaProducer<String, byte[]> producer;
    static Admin admin;

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(Running.class, k -> start(), Running.class);
    }

    private static synchronized Running start() {
        try {
            startAll();
        } catch (Exception e) {
            throw new IllegalStateException("the fanout fixture could not start", e);
        }
        return new Running();
    }

    private static void startAll() throws Exception {
        cluster = LocalCluster.of(ClusterLayout.onFreePorts(Files.createTempDirectory("rtkv-fanout-it"), 1))
                .startShards().startKafka();
        Properties adminProperties = new Properties();
        adminProperties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.kafkaBootstrap());
        admin = Admin.create(adminProperties);
        admin.createTopics(List.of(new NewTopic(TOPIC, 4, (short) 1))).all().get(60, TimeUnit.SECONDS);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.kafkaBootstrap());
        producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        server = startServer(Map.of());
    }

    static FanoutServer startServer(Map<String, String> overrides) {
        Map<String, String> env = new HashMap<>(Map.of(
                "RTKV_FANOUT_PORT", "0",
                "RTKV_KAFKA_BOOTSTRAP", cluster.kafkaBootstrap(),
                "RTKV_SHARDS", cluster.shardJdbcUrl(0),
                "RTKV_DB_USER", cluster.readerUser(),
                "RTKV_DB_PASSWORD", cluster.readerPassword(),
                "RTKV_FANOUT_MAX_PENDING_BYTES", "65536",
                "RTKV_ADMIN_KEY", ADMIN_KEY,
                "RTKV_AUTH_FAILURES_PER_ADDRESS", "1000000"));
        // A group of its own: a second node in the same group would take half of the first one's partitions.
        env.put("RTKV_FANOUT_GROUP", "fanout-it-" + UUID.randomUUID());
        env.putAll(overrides);
        FanoutServer started = new FanoutServer(FanoutConfig.from(env), Clock.systemUTC()).start();
        await("fanout node ready").atMost(Duration.ofMinutes(1)).until(started::isReady);
        return started;
    }

    static final class Running implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        @Override
        public void close() {
            stop();
        }
    }

    private static void stop() {
        if (server != null) {
            server.close();
        }
        if (producer != null) {
            producer.close();
        }
        if (admin != null) {
            admin.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    static String url() {
        return "ws://127.0.0.1:" + server.port();
    }

    static String table() {
        return "fan-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A new table whose partition {@code node} owns now. */
    static String tableOn(FanoutServer node) {
        for (int i = 0; ; i++) {
            String table = table();
            if (node.partitions().contains(node.partitionOf(table))) {
                return table;
            }
            if (i >= 1_000) {
                throw new AssertionError("no table lands on " + node.partitions());
            }
        }
    }

    static RecordMetadata publish(String table, String key, String value, long version) throws Exception {
        return publish(event(table, key, value, version));
    }

    /** A change as a relay would make it, with the next GTID sequence; not published. */
    static ChangeEvent event(String table, String key, String value, long version) {
        return new ChangeEvent(table, key, value == null ? ChangeOp.DELETE : ChangeOp.PUT, value, version,
                null, 0, 0, SEQ.incrementAndGet());
    }

    /** Publishes exactly this event: a copy of one published before is what a relay replaying its batch sends. */
    static RecordMetadata publish(ChangeEvent event) throws Exception {
        return producer.send(new ProducerRecord<>(TOPIC, event.table(), ChangeEventJson.write(event))).get();
    }

    static void insert(String table, String key, String value, long version) throws Exception {
        try (Connection c = DriverManager.getConnection(cluster.shardJdbcUrl(0), cluster.appUser(), cluster.appPassword());
             PreparedStatement s = c.prepareStatement(
                     "INSERT INTO kv (table_id, k, v, version, changed_at) VALUES (?, ?, ?, ?, 0)")) {
            s.setString(1, table);
            s.setBytes(2, key.getBytes(StandardCharsets.UTF_8));
            s.setString(3, value);
            s.setLong(4, version);
            s.executeUpdate();
        }
    }

    static List<JsonNode> parsed(TableSubscription subscription) {
        List<JsonNode> nodes = new ArrayList<>();
        for (String frame : subscription.frames()) {
            try {
                nodes.add(JSON.readTree(frame));
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        }
        return nodes;
    }

    static List<JsonNode> ofType(TableSubscription subscription, String type) {
        return parsed(subscription).stream().filter(f -> f.get("type").asText().equals(type)).toList();
    }

    /** "key:op:version" of each change frame, in order. */
    static List<String> changes(TableSubscription subscription) {
        return ofType(subscription, "change").stream()
                .map(c -> c.get("key").asText() + ":" + c.get("op").asText() + ":" + c.get("version").asLong()).toList();
    }

    static TableSubscription subscribed(String table) {
        return subscribed(table, null);
    }

    /** Opens and waits for the end of the snapshot, or for "resumed". */
    static TableSubscription subscribed(String table, String resume) {
        return subscribedAt(url(), table, resume);
    }

    static TableSubscription subscribedAt(String nodeUrl, String table) {
        return subscribedAt(nodeUrl, table, null);
    }

    private static TableSubscription subscribedAt(String nodeUrl, String table, String resume) {
        TableSubscription subscription = TableSubscription.open(HTTP, nodeUrl, table, ADMIN_KEY, resume,
                TableSubscription.HEARTBEAT, frame -> { });
        await("subscribed to " + table).atMost(Duration.ofSeconds(30)).until(() -> parsed(subscription).stream()
                .anyMatch(f -> f.get("type").asText().equals("resumed")
                        || f.get("type").asText().equals("snapshot") && f.get("last").asBoolean()));
        return subscription;
    }

    /** A subscription of {@code table} with {@code ?conflate=} (and more of the query string), not awaited. */
    static TableSubscription conflated(String table, String conflate) {
        return TableSubscription.open(HTTP, java.net.URI.create(url() + "/v1/tables/" + table + "/subscribe?conflate=" + conflate),
                ADMIN_KEY, TableSubscription.HEARTBEAT, frame -> { });
    }

    /** Each key's version in the last change frame that carried it. */
    static Map<String, Long> latestVersions(TableSubscription subscription) {
        Map<String, Long> latest = new HashMap<>();
        for (JsonNode change : ofType(subscription, "change")) {
            latest.put(change.get("key").asText(), change.get("version").asLong());
        }
        return latest;
    }

    static JsonNode lastSnapshotFrame(TableSubscription subscription) {
        List<JsonNode> snapshots = ofType(subscription, "snapshot");
        return snapshots.get(snapshots.size() - 1);
    }
}
