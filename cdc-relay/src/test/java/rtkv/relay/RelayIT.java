package rtkv.relay;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rtkv.infra.ClusterLayout;
import rtkv.infra.LocalCluster;
import rtkv.schema.ChangeEvent;
import rtkv.schema.ChangeEventJson;
import rtkv.schema.ChangeOp;

/** The relay against a real MariaDB shard and a real Kafka broker. */
class RelayIT {

    private static final String TOPIC = "rtkv.changes";

    @TempDir
    static Path dataDir;
    static LocalCluster cluster;

    private Relay relay;
    private KafkaConsumer<String, byte[]> consumer;
    private final List<ConsumerRecord<String, byte[]>> received = new ArrayList<>();

    @BeforeAll
    static void startShardAndKafka() {
        cluster = LocalCluster.of(ClusterLayout.onFreePorts(dataDir.resolve("cluster"), 1)).startShards().startKafka();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @BeforeEach
    void startRelay() throws Exception {
        relay = startedRelay();
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.kafkaBootstrap());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(TOPIC).stream()
                .map(info -> new TopicPartition(TOPIC, info.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
    }

    private Relay startedRelay() throws InterruptedException {
        Map<String, String> env = new HashMap<>();
        env.put("RTKV_SHARD_ID", "0");
        env.put("RTKV_DB_PORT", Integer.toString(cluster.layout().shardPorts().get(0)));
        env.put("RTKV_CDC_PASSWORD", cluster.cdcPassword());
        env.put("RTKV_KAFKA_BOOTSTRAP", cluster.kafkaBootstrap());
        env.put("RTKV_RELAY_PORT", "0");
        Relay started = new Relay(RelayConfig.from(env), Clock.systemUTC(), () -> true,
                new RelayMetrics(new SimpleMeterRegistry(), 0, Clock.systemUTC(), () -> "active"), 1);
        started.start();
        await("relay streaming the binlog").atMost(Duration.ofMinutes(2)).until(started::isReady);
        return started;
    }

    @AfterEach
    void stopRelay() {
        relay.close();
        consumer.close();
    }

    private static String table() {
        return "relay-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private void execute(String sql, Object... args) throws SQLException {
        try (Connection c = DriverManager.getConnection(cluster.shardJdbcUrl(0), cluster.appUser(), cluster.appPassword());
             PreparedStatement statement = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                statement.setObject(i + 1, args[i]);
            }
            statement.executeUpdate();
        }
    }

    private List<ChangeEvent> eventsOf(String table) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
            received.add(record);
        }
        List<ChangeEvent> events = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : received) {
            if (record.key().equals(table)) {
                ChangeEvent event = ChangeEventJson.read(record.value());
                assertEquals(table, event.table(), "record key is the event's table");
                events.add(event);
            }
        }
        return events;
    }

    private void put(String table, String key, String value) throws SQLException {
        execute("INSERT INTO kv (table_id, k, v, version, changed_at) VALUES (?, ?, ?, 1, 0) "
                + "ON DUPLICATE KEY UPDATE v = VALUES(v), version = version + 1, expires_at = NULL, expired = FALSE",
                table, key.getBytes(), value);
    }

    /** As api-service deletes ({@code expired} false) and the sweeper expires ({@code expired} true). */
    private void tombstone(String table, String key, boolean expired) throws SQLException {
        execute("UPDATE kv SET v = NULL, expires_at = 0, expired = ?, version = version + 1 WHERE table_id = ? AND k = ?",
                expired, table, key.getBytes());
    }

    @Test
    void putUpdateDeleteAndExpireArePublishedInCommitOrder() throws Exception {
        String table = table();
        put(table, "a", "{\"n\":1}");
        put(table, "a", "{\"n\":2}");
        tombstone(table, "a", false);
        put(table, "a", "3");
        execute("UPDATE kv SET expires_at = 1 WHERE table_id = ? AND k = ?", table, "a".getBytes());
        tombstone(table, "a", true);

        await("six changes of " + table).atMost(Duration.ofSeconds(60)).until(() -> eventsOf(table).size() >= 6);

        List<ChangeEvent> events = eventsOf(table);
        assertEquals(List.of(ChangeOp.PUT, ChangeOp.PUT, ChangeOp.DELETE, ChangeOp.PUT, ChangeOp.PUT, ChangeOp.EXPIRE),
                events.stream().map(ChangeEvent::op).toList());
        assertEquals(List.of(1L, 2L, 3L, 4L, 4L, 5L), events.stream().map(ChangeEvent::version).toList());
        assertEquals("{\"n\":2}", events.get(1).value());
        assertEquals(1L, events.get(4).expiresAt(), "a change of expiry is a put carrying it");
        assertEquals(0, events.get(0).shard());
    }

    @Test
    void garbageCollectingATombstonePublishesNothing() throws Exception {
        String table = table();
        put(table, "gone", "1");
        tombstone(table, "gone", false);
        execute("DELETE FROM kv WHERE table_id = ? AND k = ? AND v IS NULL", table, "gone".getBytes());
        put(table, "marker", "true");

        await("the marker").atMost(Duration.ofSeconds(60))
                .until(() -> eventsOf(table).stream().anyMatch(e -> e.key().equals("marker")));

        assertEquals(List.of("gone:PUT", "gone:DELETE", "marker:PUT"),
                eventsOf(table).stream().map(e -> e.key() + ":" + e.op()).toList());
    }

    @Test
    void changesCommittedWhileTheRelayIsDownArePublishedWhenItComesBack() throws Exception {
        String table = table();
        put(table, "before", "0");
        await("the change before the stop").atMost(Duration.ofSeconds(60)).until(() -> eventsOf(table).size() == 1);
        relay.close();

        for (int i = 0; i < 20; i++) {
            put(table, "k" + i, Integer.toString(i));
        }
        relay = startedRelay();

        await("the 20 changes made while the relay was down").atMost(Duration.ofSeconds(60))
                .until(() -> eventsOf(table).stream().filter(e -> e.key().startsWith("k")).count() >= 20);
        List<String> keys = eventsOf(table).stream().map(ChangeEvent::key).filter(k -> k.startsWith("k")).distinct().toList();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            expected.add("k" + i);
        }
        assertEquals(expected, keys, "every change, in commit order");
    }
}
