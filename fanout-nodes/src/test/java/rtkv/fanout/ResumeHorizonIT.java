package rtkv.fanout;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static rtkv.fanout.FanoutFixture.ADMIN_KEY;
import static rtkv.fanout.FanoutFixture.HTTP;
import static rtkv.fanout.FanoutFixture.admin;
import static rtkv.fanout.FanoutFixture.changes;
import static rtkv.fanout.FanoutFixture.event;
import static rtkv.fanout.FanoutFixture.lastSnapshotFrame;
import static rtkv.fanout.FanoutFixture.ofType;
import static rtkv.fanout.FanoutFixture.parsed;
import static rtkv.fanout.FanoutFixture.producer;
import static rtkv.fanout.FanoutFixture.startServer;
import static rtkv.fanout.FanoutFixture.subscribed;
import static rtkv.fanout.FanoutFixture.table;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import rtkv.infra.TableSubscription;
import rtkv.schema.ChangeEventJson;

/** A resume the node cannot vouch for gets resync and a snapshot, never a replay it cannot prove whole. */
@ExtendWith(FanoutFixture.class)
class ResumeHorizonIT {

    @Test
    void aTokenOlderThanTheTombstoneHorizonGetsResync() throws Exception {
        String table = table();
        String token;
        try (TableSubscription first = subscribed(table)) {
            token = lastSnapshotFrame(first).get("token").asText();
        }
        // The next change after the token was made two days ago, past the node's one-day horizon.
        long twoDaysAgo = System.currentTimeMillis() - TimeUnit.DAYS.toMillis(2);
        producer.send(new ProducerRecord<>(FanoutFixture.TOPIC, null, twoDaysAgo, table,
                ChangeEventJson.write(event(table, "k", "1", 7)))).get();
        try (TableSubscription resumed = subscribed(table, token)) {
            await("a fresh snapshot").atMost(Duration.ofSeconds(30))
                    .until(() -> ofType(resumed, "snapshot").stream().anyMatch(f -> f.get("last").asBoolean()));
            JsonNode resync = ofType(resumed, "resync").get(0);
            assertTrue(resync.get("reason").asText().contains("older than the 86400 s deleted keys are kept for"),
                    resync.toString());
            assertTrue(changes(resumed).isEmpty(), "nothing replayed: " + changes(resumed));
        }
    }

    @Test
    void aNodeWhoseTopicIsCreatedAgainStopsAndANewOneRefusesTheOldTokens() throws Exception {
        String topic = "recreated-" + UUID.randomUUID().toString().substring(0, 8);
        admin.createTopics(List.of(new NewTopic(topic, 4, (short) 1))).all().get(60, TimeUnit.SECONDS);
        FanoutServer before = startServer(Map.of("RTKV_TOPIC", topic));
        String table = table();
        String token;
        try (TableSubscription subscription = subscribedAt(before, table, null)) {
            token = lastSnapshotFrame(subscription).get("token").asText();
        }
        try {
            admin.deleteTopics(List.of(topic)).all().get(60, TimeUnit.SECONDS);
            await("the topic is gone").atMost(Duration.ofSeconds(60)).until(() -> !admin.listTopics().names().get().contains(topic));
            admin.createTopics(List.of(new NewTopic(topic, 4, (short) 1))).all().get(60, TimeUnit.SECONDS);
            await("the node stops").atMost(Duration.ofSeconds(30)).until(() -> before.feedEnded().isDone());
            assertTrue(before.feedEnded().isCompletedExceptionally(), "it stopped because it failed");
        } finally {
            before.close();
        }
        FanoutServer after = startServer(Map.of("RTKV_TOPIC", topic));
        try (TableSubscription resumed = subscribedAt(after, table, token)) {
            assertEquals("resync", parsed(resumed).get(0).get("type").asText(), parsed(resumed).toString());
        } finally {
            after.close();
        }
    }

    private static TableSubscription subscribedAt(FanoutServer node, String table, String resume) {
        TableSubscription subscription = TableSubscription.open(HTTP, "ws://127.0.0.1:" + node.port(), table, ADMIN_KEY,
                resume, TableSubscription.HEARTBEAT, frame -> { });
        await("subscribed").atMost(Duration.ofSeconds(30)).until(() -> parsed(subscription).stream()
                .anyMatch(f -> f.get("type").asText().equals("snapshot") && f.get("last").asBoolean()));
        return subscription;
    }
}
