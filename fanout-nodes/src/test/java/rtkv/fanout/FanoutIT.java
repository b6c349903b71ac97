package rtkv.fanout;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rtkv.infra.ClusterLayout;
import rtkv.infra.LocalCluster;
import rtkv.infra.TableSubscription;
import rtkv.schema.ChangeEvent;
import rtkv.schema.ChangeEventJson;
import rtkv.schema.ChangeOp;

/** A fanout node in-process against a real Kafka broker, with real WebSocket clients. */
class FanoutIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOPIC = "rtkv.changes";

    @TempDir
    static Path dataDir;
    static LocalCluster cluster;
    static FanoutServer server;
    static KafkaProducer<String, byte[]> producer;

    @BeforeAll
    static void start() throws Exception {
        cluster = LocalCluster.of(ClusterLayout.onFreePorts(dataDir, 1)).startKafka();
        Properties admin = new Properties();
        admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.kafkaBootstrap());
        try (Admin client = Admin.create(admin)) {
            client.createTopics(List.of(new NewTopic(TOPIC, 4, (short) 1))).all().get(60, TimeUnit.SECONDS);
        }
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.kafkaBootstrap());
        producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        server = new FanoutServer(FanoutConfig.from(Map.of(
                "RTKV_FANOUT_PORT", "0",
                "RTKV_KAFKA_BOOTSTRAP", cluster.kafkaBootstrap(),
                "RTKV_FANOUT_MAX_PENDING_FRAMES", "16"))).start();
        await("fanout node reading the topic").atMost(Duration.ofMinutes(1)).until(server::isReady);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (producer != null) {
            producer.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private static String url() {
        return "ws://127.0.0.1:" + server.port();
    }

    private static String table() {
        return "fan-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static void publish(String table, String key, String value, long version) throws Exception {
        ChangeEvent event = new ChangeEvent(table, key, value == null ? ChangeOp.DELETE : ChangeOp.PUT, value, version, null, 0, 0);
        producer.send(new ProducerRecord<>(TOPIC, table, ChangeEventJson.write(event))).get();
    }

    private static List<JsonNode> parsed(TableSubscription subscription) {
        List<JsonNode> nodes = new ArrayList<>();
        for (String frame : subscription.frames()) {
            try {
                nodes.add(JSON.readTree(frame));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        }
        return nodes;
    }

    private static List<JsonNode> changes(TableSubscription subscription) {
        return parsed(subscription).stream().filter(f -> f.get("type").asText().equals("change")).toList();
    }

    private static TableSubscription subscribed(String table) {
        TableSubscription subscription = TableSubscription.open(url(), table);
        await("subscribed to " + table).atMost(Duration.ofSeconds(30)).until(() -> !subscription.frames().isEmpty());
        JsonNode first = parsed(subscription).get(0);
        assertEquals("subscribed", first.get("type").asText());
        assertEquals(table, first.get("table").asText());
        return subscription;
    }

    @Test
    void eachChangeReachesEverySubscriberOfItsTableInOrder() throws Exception {
        String table = table();
        List<TableSubscription> subscriptions = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            subscriptions.add(subscribed(table));
        }
        publish(table, "a", "{\"n\":1}", 1);
        publish(table, "a", "[2]", 2);
        publish(table, "a", null, 3);

        for (TableSubscription subscription : subscriptions) {
            await("three changes").atMost(Duration.ofSeconds(30)).until(() -> changes(subscription).size() == 3);
            List<JsonNode> changes = changes(subscription);
            assertEquals(List.of("put", "put", "delete"), changes.stream().map(c -> c.get("op").asText()).toList());
            assertEquals(List.of(1L, 2L, 3L), changes.stream().map(c -> c.get("version").asLong()).toList());
            assertEquals(JSON.readTree("{\"n\":1}"), changes.get(0).get("value"));
            assertTrue(changes.get(2).get("value").isNull());
            subscription.close();
        }
    }

    @Test
    void aSubscriberGetsNothingOfOtherTables() throws Exception {
        String mine = table();
        String other = table();
        TableSubscription subscription = subscribed(mine);
        publish(other, "x", "1", 1);
        publish(mine, "marker", "true", 1);

        await("the marker").atMost(Duration.ofSeconds(30)).until(() -> changes(subscription).size() == 1);
        assertEquals("marker", changes(subscription).get(0).get("key").asText());
        subscription.close();
    }

    @Test
    void anUnreadableRecordIsSkipped() throws Exception {
        String table = table();
        TableSubscription subscription = subscribed(table);
        producer.send(new ProducerRecord<>(TOPIC, table, "not json".getBytes(StandardCharsets.UTF_8))).get();
        publish(table, "after", "1", 1);

        await("the change after the bad record").atMost(Duration.ofSeconds(30)).until(() -> changes(subscription).size() == 1);
        assertEquals("after", changes(subscription).get(0).get("key").asText());
        subscription.close();
    }

    @Test
    void anInvalidTableNameGetsAnErrorFrameAndIsClosed() throws Exception {
        TableSubscription subscription = TableSubscription.open(url(), "no spaces allowed");

        String closed = subscription.closed().get(30, TimeUnit.SECONDS);

        assertTrue(closed.startsWith("1008 "), closed);
        JsonNode error = parsed(subscription).get(0);
        assertEquals("error", error.get("type").asText());
        assertEquals("invalid_table", error.get("error").asText());
    }

    @Test
    void aStalledSubscriberIsCutOffWithoutHoldingUpTheOthers() throws Exception {
        String table = table();
        TableSubscription stalled = subscribed(table);
        TableSubscription healthy = subscribed(table);
        stalled.stopReading();
        String big = "\"" + "x".repeat(60_000) + "\"";
        // Publish until the stalled reader's socket buffers are full and it is cut off, however big
        // this host's buffers are; each batch waits until the healthy reader has it all.
        int published = 0;
        while (server.subscriberCount(table) == 2 && published < 5_000) {
            for (int i = 0; i < 50; i++) {
                publish(table, "k", big, ++published);
            }
            int sent = published;
            await("the healthy subscriber keeps up").atMost(Duration.ofSeconds(60)).until(() -> changes(healthy).size() == sent);
        }

        assertEquals(1, server.subscriberCount(table), "the stalled subscriber left the table");
        stalled.resumeReading();
        assertEquals("1013 too slow: 16 frames behind", stalled.closed().get(30, TimeUnit.SECONDS));
        assertTrue(changes(stalled).size() < published, "the stalled subscriber was cut off before the end");
        healthy.close();
    }
}
