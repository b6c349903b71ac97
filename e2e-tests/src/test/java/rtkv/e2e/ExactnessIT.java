package rtkv.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpClient;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import rtkv.infra.LocalCluster;
import rtkv.infra.TableSubscription;
import rtkv.schema.ChangeEvent;
import rtkv.schema.ChangeEventJson;

/**
 * Issue 20, as an outside client of the running cluster sees it: plain WebSocket subscribers, whose
 * every frame {@link RawFrames} checks, against records produced into the topic again by hand, a
 * resume from before a tombstone was removed for good, and increments at the ends of the 64-bit range.
 */
@ExtendWith(E2eCluster.class)
class ExactnessIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void recordsProducedAgainIntoTheTopicReachNoSubscriber() throws Exception {
        LocalCluster cluster = E2eCluster.cluster();
        Api api = E2eCluster.api();
        String table = E2eCluster.tableOnShard(0);
        RawFrames checked = new RawFrames();
        try (TableSubscription raw = TableSubscription.open(HTTP, cluster.fanoutUrl(), table, E2eCluster.adminKey(), null,
                TableSubscription.HEARTBEAT, checked::frame)) {
            await("subscribed").atMost(Duration.ofSeconds(30)).until(() -> !ReceivedFrames.ofType(raw, "snapshot").isEmpty());
            api.put(table, "k", "1");
            api.put(table, "k", "2");
            api.delete(table, "k");
            api.put(table, "k", "4");
            await("four changes").atMost(Duration.ofSeconds(30)).until(() -> changes(raw).size() == 4);
            List<ChangeEvent> logged = KafkaLog.changesOf(cluster.kafkaBootstrap(), table);
            assertEquals(4, logged.size());

            // Copies of every change, as a relay replaying its batch would send them, and an older version
            // carried by a later transaction.
            ChangeEvent last = logged.get(logged.size() - 1);
            List<ChangeEvent> again = new ArrayList<>(logged);
            again.add(new ChangeEvent(table, "k", last.op(), "2", 2, null, last.committedAt(), last.shard(), last.seq() + 1_000));
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerProperties(cluster),
                    new StringSerializer(), new ByteArraySerializer())) {
                for (ChangeEvent event : again) {
                    producer.send(new ProducerRecord<>(KafkaLog.TOPIC, table, ChangeEventJson.write(event))).get(30, TimeUnit.SECONDS);
                }
            }
            api.put(table, "k", "5");
            await("the next write").atMost(Duration.ofSeconds(30)).until(() -> changes(raw).contains("k:put:5"));
            assertEquals(List.of("k:put:1", "k:put:2", "k:delete:3", "k:put:4", "k:put:5"), changes(raw));
            assertEquals(List.of(), checked.findings());
        }
        try (TableSubscription later = TableSubscription.open(HTTP, cluster.fanoutUrl(), table, E2eCluster.adminKey(), null,
                TableSubscription.HEARTBEAT, frame -> { })) {
            await("a new subscriber's snapshot").atMost(Duration.ofSeconds(30))
                    .until(() -> !ReceivedFrames.ofType(later, "snapshot").isEmpty());
            JsonNode entries = ReceivedFrames.ofType(later, "snapshot").get(0).get("entries");
            assertEquals(1, entries.size());
            assertEquals(5, entries.get(0).get("version").asLong(), "the node's copy is MySQL's");
        }
    }

    @Test
    void aResumeFromBeforeATombstoneWasRemovedNeverGoesBack() throws Exception {
        LocalCluster cluster = E2eCluster.cluster();
        Api api = E2eCluster.api();
        String table = E2eCluster.tableOnShard(1);
        String token;
        RawFrames checked = new RawFrames();
        try (TableSubscription first = TableSubscription.open(HTTP, cluster.fanoutUrl(), table, E2eCluster.adminKey(), null,
                TableSubscription.HEARTBEAT, checked::frame)) {
            for (int i = 1; i <= 3; i++) {
                api.put(table, "k", Integer.toString(i));
            }
            await("three changes").atMost(Duration.ofSeconds(30)).until(() -> changes(first).size() == 3);
            token = ReceivedFrames.ofType(first, "change").get(2).get("token").asText();
        }
        assertEquals(4, api.delete(table, "k").version());
        // A second api-service whose sweeper keeps tombstones two seconds: this one's is removed for good.
        String sweeper = cluster.startApiService(E2eCluster.freePort(), Map.of("RTKV_TOMBSTONE_RETENTION_SECONDS", "2"));
        try {
            await("the tombstone removed").atMost(Duration.ofSeconds(60)).until(() -> rows(table) == 0);
        } finally {
            cluster.stop(sweeper);
        }
        long recreated = api.put(table, "k", "\"again\"").version();
        assertTrue(recreated > 4, "written again, the key continues above its removed tombstone: @" + recreated);
        try (TableSubscription resumed = TableSubscription.open(HTTP, cluster.fanoutUrl(), table, E2eCluster.adminKey(), token,
                TableSubscription.HEARTBEAT, checked::frame)) {
            await("the delete, then the key again").atMost(Duration.ofSeconds(30))
                    .until(() -> changes(resumed).contains("k:put:" + recreated));
            assertEquals("resumed", ReceivedFrames.of(resumed).get(0).get("type").asText());
            assertEquals(List.of("k:delete:4", "k:put:" + recreated), changes(resumed));
        }
        assertEquals(List.of(), checked.findings(), "across the resume, no version went back");
    }

    @Test
    void incrementsAtTheEndsOfThe64BitRangeAreRefusedByName() {
        Api api = E2eCluster.api();
        String table = E2eCluster.tableOnShard(0);
        api.put(table, "max", Long.toString(Long.MAX_VALUE));
        api.put(table, "min", Long.toString(Long.MIN_VALUE));
        Api.Answer up = api.call("POST", Api.keyPath(table, "max") + "/incr", "{\"by\": 1}");
        Api.Answer down = api.call("POST", Api.keyPath(table, "min") + "/incr", "{\"by\": -1}");
        assertEquals(409, up.status());
        assertEquals("out_of_range", up.body().get("error").asText());
        assertEquals("out_of_range", down.body().get("error").asText());
        assertEquals(1, api.get(table, "max").version(), "nothing was written");
    }

    private static List<String> changes(TableSubscription subscription) {
        return ReceivedFrames.ofType(subscription, "change").stream()
                .map(c -> c.get("key").asText() + ":" + c.get("op").asText() + ":" + c.get("version").asLong()).toList();
    }

    private static int rows(String table) throws Exception {
        try (Connection c = E2eCluster.shardOf(table);
             PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM kv WHERE table_id = ?")) {
            s.setString(1, table);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private static Properties producerProperties(LocalCluster cluster) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.kafkaBootstrap());
        return p;
    }
}
