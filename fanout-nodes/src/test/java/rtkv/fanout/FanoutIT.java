package rtkv.fanout;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static rtkv.fanout.FanoutFixture.ADMIN_KEY;
import static rtkv.fanout.FanoutFixture.HTTP;
import static rtkv.fanout.FanoutFixture.JSON;
import static rtkv.fanout.FanoutFixture.TOPIC;
import static rtkv.fanout.FanoutFixture.admin;
import static rtkv.fanout.FanoutFixture.changes;
import static rtkv.fanout.FanoutFixture.cluster;
import static rtkv.fanout.FanoutFixture.insert;
import static rtkv.fanout.FanoutFixture.lastSnapshotFrame;
import static rtkv.fanout.FanoutFixture.ofType;
import static rtkv.fanout.FanoutFixture.parsed;
import static rtkv.fanout.FanoutFixture.producer;
import static rtkv.fanout.FanoutFixture.publish;
import static rtkv.fanout.FanoutFixture.server;
import static rtkv.fanout.FanoutFixture.startServer;
import static rtkv.fanout.FanoutFixture.subscribed;
import static rtkv.fanout.FanoutFixture.table;
import static rtkv.fanout.FanoutFixture.url;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import rtkv.infra.TableSubscription;

/** Snapshots, changes, resume, caps and slow readers of one fanout node, on {@link FanoutFixture}. */
@ExtendWith(FanoutFixture.class)
class FanoutIT {

    @Test
    void aSubscriberGetsTheTableThenItsChangesEachWithAToken() throws Exception {
        String table = table();
        insert(table, "a", "{\"n\":1}", 3);
        insert(table, "b", "[true]", 1);
        try (TableSubscription subscription = subscribed(table)) {
            JsonNode snapshot = lastSnapshotFrame(subscription);
            assertEquals(2, snapshot.get("entries").size());
            assertEquals("a", snapshot.get("entries").get(0).get("key").asText());
            assertEquals(3, snapshot.get("entries").get(0).get("version").asLong());
            assertEquals(JSON.readTree("{\"n\":1}"), snapshot.get("entries").get(0).get("value"));
            assertTrue(snapshot.get("token").asText().startsWith("1."));

            publish(table, "a", "{\"n\":2}", 4);
            await("the change").atMost(Duration.ofSeconds(30)).until(() -> changes(subscription).size() == 1);
            JsonNode change = ofType(subscription, "change").get(0);
            assertEquals("a:put:4", changes(subscription).get(0));
            assertTrue(change.get("token").asText().startsWith("1."));
        }
    }

    @Test
    void aLargeTableArrivesInChunksAndOnlyTheLastCarriesTheToken() throws Exception {
        String table = table();
        try (Connection c = DriverManager.getConnection(cluster.shardJdbcUrl(0), cluster.appUser(), cluster.appPassword());
             PreparedStatement s = c.prepareStatement(
                     "INSERT INTO kv (table_id, k, v, version, changed_at) VALUES (?, ?, '1', 1, 0)")) {
            for (int i = 0; i < 1_200; i++) {
                s.setString(1, table);
                s.setBytes(2, String.format("k%04d", i).getBytes(StandardCharsets.UTF_8));
                s.addBatch();
            }
            s.executeBatch();
        }
        try (TableSubscription subscription = subscribed(table)) {
            List<JsonNode> chunks = ofType(subscription, "snapshot");
            assertEquals(3, chunks.size());
            assertEquals(List.of(500, 500, 200), chunks.stream().map(f -> f.get("entries").size()).toList());
            assertEquals(List.of(false, false, true), chunks.stream().map(f -> f.get("last").asBoolean()).toList());
            assertTrue(!chunks.get(0).has("token") && chunks.get(2).has("token"));
        }
    }

    @Test
    void aTableBiggerThanTheConnectionsBoundStillArrivesWhole() throws Exception {
        String table = table();
        String value = "\"" + "v".repeat(1_000) + "\"";
        for (int i = 0; i < 300; i++) {
            insert(table, String.format("k%03d", i), value, 1);
        }
        // 300 KB of snapshot against a bound of 64 KiB for queued changes.
        try (TableSubscription subscription = subscribed(table)) {
            int keys = ofType(subscription, "snapshot").stream().mapToInt(f -> f.get("entries").size()).sum();
            assertEquals(300, keys);
            publish(table, "after", "1", 1);
            await("and the changes after it").atMost(Duration.ofSeconds(30)).until(() -> changes(subscription).size() == 1);
        }
    }

    @Test
    void aVersionThatStartsAgainInALaterTransactionIsTakenSoTheNodeStaysEqualToItsShard() throws Exception {
        String table = table();
        try (TableSubscription first = subscribed(table)) {
            publish(table, "k", "\"old\"", 5);
            publish(table, "k", null, 6);
            // api-service never does this (a key re-created continues above its table's version floor),
            // but a key whose tombstone was collected before floors existed did: the node follows its shard.
            publish(table, "k", "\"new\"", 1);
            await("all three").atMost(Duration.ofSeconds(30)).until(() -> changes(first).size() == 3);
            assertEquals(List.of("k:put:5", "k:delete:6", "k:put:1"), changes(first));
            try (TableSubscription later = subscribed(table)) {
                JsonNode entry = lastSnapshotFrame(later).get("entries").get(0);
                assertEquals("new", entry.get("value").asText(), "the node's copy has it too");
                assertEquals(1, entry.get("version").asLong());
            }
        }
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
            assertEquals(List.of("a:put:1", "a:put:2", "a:delete:3"), changes(subscription));
            subscription.close();
        }
    }

    @Test
    void aSubscriberGetsNothingOfOtherTables() throws Exception {
        String mine = table();
        try (TableSubscription subscription = subscribed(mine)) {
            publish(table(), "x", "1", 1);
            producer.send(new ProducerRecord<>(TOPIC, table(), "not json".getBytes(StandardCharsets.UTF_8))).get();
            publish(mine, "marker", "true", 1);

            await("the marker").atMost(Duration.ofSeconds(30)).until(() -> changes(subscription).size() == 1);
            assertEquals(List.of("marker:put:1"), changes(subscription));
        }
    }

    @Test
    void anUnreadableChangeOfAWatchedTableIsNeverASilentGap() throws Exception {
        String table = table();
        insert(table, "row", "1", 1);
        TableSubscription subscription = subscribed(table);
        String token = lastSnapshotFrame(subscription).get("token").asText();
        producer.send(new ProducerRecord<>(TOPIC, table, "not json".getBytes(StandardCharsets.UTF_8))).get();

        String closed = subscription.closed().get(30, TimeUnit.SECONDS);
        assertTrue(closed.startsWith("1011 "), "the subscribers are told to reconnect: " + closed);
        try (TableSubscription resumed = subscribed(table, token)) {
            await("resuming past it ends in a fresh snapshot").atMost(Duration.ofSeconds(30))
                    .until(() -> !ofType(resumed, "resync").isEmpty() && !ofType(resumed, "snapshot").isEmpty());
            assertTrue(changes(resumed).isEmpty());
            assertEquals(List.of("row"), keysOf(lastSnapshotFrame(resumed)));
        }
    }

    @Test
    void aResumeTokenReplaysExactlyWhatWasMissed() throws Exception {
        String table = table();
        String token;
        try (TableSubscription first = subscribed(table)) {
            publish(table, "seen", "1", 1);
            await("the first change").atMost(Duration.ofSeconds(30)).until(() -> changes(first).size() == 1);
            token = ofType(first, "change").get(0).get("token").asText();
        }
        for (int i = 1; i <= 50; i++) {
            publish(table, "missed", Integer.toString(i), i);
        }
        try (TableSubscription resumed = subscribed(table, token)) {
            await("the 50 missed changes").atMost(Duration.ofSeconds(30)).until(() -> changes(resumed).size() >= 50);
            publish(table, "live", "1", 1);
            await("then live ones").atMost(Duration.ofSeconds(30)).until(() -> changes(resumed).size() >= 51);

            List<String> expected = new ArrayList<>();
            for (int i = 1; i <= 50; i++) {
                expected.add("missed:put:" + i);
            }
            expected.add("live:put:1");
            assertEquals(expected, changes(resumed));
            assertEquals("resumed", parsed(resumed).get(0).get("type").asText());
            assertTrue(ofType(resumed, "snapshot").isEmpty(), "no snapshot: nothing was lost");
        }
    }

    @Test
    void aTokenTheLogNoLongerHoldsGetsResyncAndASnapshot() throws Exception {
        String table = table();
        insert(table, "stays", "1", 1);
        String token;
        try (TableSubscription first = subscribed(table)) {
            token = lastSnapshotFrame(first).get("token").asText();
        }
        RecordMetadata last = publish(table, "gone", "1", 1);
        // The retention ran: everything up to the last record is deleted from the partition.
        admin.deleteRecords(Map.of(new TopicPartition(TOPIC, last.partition()), RecordsToDelete.beforeOffset(last.offset() + 1)))
                .all().get(30, TimeUnit.SECONDS);

        try (TableSubscription resumed = subscribed(table, token)) {
            assertEquals("resync", parsed(resumed).get(0).get("type").asText());
            assertEquals(List.of("stays"), keysOf(lastSnapshotFrame(resumed)));
        }
        try (TableSubscription forged = subscribed(table, "1.nothere.0.5.0.5")) {
            assertEquals("resync", parsed(forged).get(0).get("type").asText());
        }
    }

    private static List<String> keysOf(JsonNode snapshot) {
        List<String> keys = new ArrayList<>();
        snapshot.get("entries").forEach(e -> keys.add(e.get("key").asText()));
        return keys;
    }

    @Test
    void theCapOfATableComesFromTheSettingsTableAndChangesLive() throws Exception {
        String table = table();
        publish(Tables.SETTINGS, table, "{\"maxSubscribers\": 2}", 1);
        await("the setting").atMost(Duration.ofSeconds(30)).until(() -> capIs(table, 2));
        try (TableSubscription one = subscribed(table); TableSubscription two = subscribed(table)) {
            TableSubscription three = TableSubscription.open(url(), table, ADMIN_KEY);
            String closed = three.closed().get(30, TimeUnit.SECONDS);
            assertTrue(closed.startsWith("4429 "), closed);
            JsonNode error = parsed(three).get(0);
            assertEquals("too_many_subscribers", error.get("error").asText());
            assertTrue(error.get("message").asText().contains("rtkv.settings"), error.toString());

            publish(Tables.SETTINGS, table, "{\"maxSubscribers\": 3}", 2);
            await("the raised cap").atMost(Duration.ofSeconds(30)).until(() -> capIs(table, 3));
            try (TableSubscription admitted = subscribed(table)) {
                assertEquals(3, server.subscriberCount(table));
            }
        }
    }

    private static boolean capIs(String table, int cap) {
        return server.capOf(table) == cap;
    }

    @Test
    void anInvalidTableNameGetsAnErrorFrameAndIsClosed() throws Exception {
        TableSubscription subscription = TableSubscription.open(url(), "no spaces allowed", ADMIN_KEY);

        String closed = subscription.closed().get(30, TimeUnit.SECONDS);

        assertTrue(closed.startsWith("1008 "), closed);
        assertEquals("invalid_table", parsed(subscription).get(0).get("error").asText());
    }

    @Test
    void aMalformedClientFrameIsAnsweredAndTheSubscriptionGoesOn() throws Exception {
        String table = table();
        try (TableSubscription subscription = subscribed(table)) {
            subscription.send("this is not a heartbeat");
            await("the error frame").atMost(Duration.ofSeconds(30))
                    .until(() -> ofType(subscription, "error").size() == 1);
            assertEquals("invalid_frame", ofType(subscription, "error").get(0).get("error").asText());
            publish(table, "after", "1", 1);
            await("changes still arrive").atMost(Duration.ofSeconds(30)).until(() -> changes(subscription).size() == 1);

            subscription.send("x".repeat(FanoutConfig.MAX_CLIENT_FRAME_BYTES + 1));
            String closed = subscription.closed().get(30, TimeUnit.SECONDS);
            assertTrue(closed.startsWith("1009 "), "an oversized frame closes cleanly: " + closed);
        }
        try (TableSubscription other = subscribed(table)) {
            assertTrue(ofType(other, "snapshot").size() >= 1, "the node serves others");
        }
    }

    @Test
    void aStalledSubscriberIsToldToResyncAndCutOffWithoutHoldingUpTheOthers() throws Exception {
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
        assertEquals("1013 too slow", stalled.closed().get(30, TimeUnit.SECONDS));
        List<JsonNode> frames = parsed(stalled);
        assertEquals("resync", frames.get(frames.size() - 1).get("type").asText());
        assertTrue(changes(stalled).size() < published, "cut off before the end");
        healthy.close();
    }

    @Test
    void aSilentClientIsClosedWhileOneSendingHeartbeatsStays() throws Exception {
        try (FanoutServer quick = startServer(Map.of("RTKV_FANOUT_HEARTBEAT_SECONDS", "1",
                "RTKV_FANOUT_CLIENT_TIMEOUT_SECONDS", "3"))) {
            String url = "ws://127.0.0.1:" + quick.port();
            String table = table();
            TableSubscription silent = TableSubscription.open(HTTP, url, table, ADMIN_KEY, null, null, frame -> { });
            try (TableSubscription beating = TableSubscription.open(HTTP, url, table, ADMIN_KEY, null,
                    Duration.ofSeconds(1), frame -> { })) {
                String closed = silent.closed().get(30, TimeUnit.SECONDS);
                assertTrue(closed.startsWith("4408 "), closed);
                // Rounds that follow another frame (presence, when the silent one comes and goes) send none.
                await("the server sends heartbeats").atMost(Duration.ofSeconds(30))
                        .until(() -> ofType(beating, "heartbeat").size() >= 2);
                assertTrue(!beating.closed().isDone(), "the client sending heartbeats is still subscribed");
            }
        }
    }

    @Test
    void aSubscriberThatIsSentChangesIsSpareHeartbeats() throws Exception {
        try (FanoutServer quick = startServer(Map.of("RTKV_FANOUT_HEARTBEAT_SECONDS", "1"))) {
            String url = "ws://127.0.0.1:" + quick.port();
            String busyTable = table();
            try (TableSubscription busy = TableSubscription.open(HTTP, url, busyTable, ADMIN_KEY, null,
                    Duration.ofSeconds(1), frame -> { });
                 TableSubscription idle = TableSubscription.open(HTTP, url, table(), ADMIN_KEY, null,
                         Duration.ofSeconds(1), frame -> { })) {
                AtomicInteger published = new AtomicInteger();
                // Each poll publishes a change to the busy table, until the idle one has had six heartbeats.
                await("six heartbeat rounds while the busy table changes").pollInterval(Duration.ofMillis(150))
                        .atMost(Duration.ofSeconds(60)).until(() -> {
                            publish(busyTable, "k", "1", published.incrementAndGet());
                            return ofType(idle, "heartbeat").size() >= 6;
                        });
                // A round may race the first change after the snapshot, or a publish slowed by a loaded machine.
                assertTrue(ofType(busy, "heartbeat").size() <= 2, "heartbeats to a subscriber that is sent changes: "
                        + ofType(busy, "heartbeat").size());
                assertTrue(changes(busy).size() > 10, "the busy subscriber got its changes");
            }
        }
    }
}
