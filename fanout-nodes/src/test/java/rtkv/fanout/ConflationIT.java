package rtkv.fanout;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static rtkv.fanout.FanoutFixture.changes;
import static rtkv.fanout.FanoutFixture.conflated;
import static rtkv.fanout.FanoutFixture.latestVersions;
import static rtkv.fanout.FanoutFixture.ofType;
import static rtkv.fanout.FanoutFixture.parsed;
import static rtkv.fanout.FanoutFixture.publish;
import static rtkv.fanout.FanoutFixture.subscribed;
import static rtkv.fanout.FanoutFixture.table;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import rtkv.infra.TableSubscription;

/** {@code ?conflate=MS}: the latest change of each key at most once per interval; and presence frames. */
@ExtendWith(FanoutFixture.class)
class ConflationIT {

    @Test
    void aConflatedSubscriberGetsEachKeysLatestChangeNotEveryOne() throws Exception {
        String table = table();
        try (TableSubscription every = subscribed(table);
             TableSubscription conflated = conflated(table, "1000")) {
            await("the conflated snapshot").atMost(Duration.ofSeconds(30))
                    .until(() -> ofType(conflated, "snapshot").stream().anyMatch(f -> f.get("last").asBoolean()));
            for (int version = 1; version <= 100; version++) {
                publish(table, "hot", Integer.toString(version), version);
                publish(table, "cold" + version % 2, "0", (version + 1) / 2);
            }
            await("every change, unconflated").atMost(Duration.ofSeconds(30)).until(() -> changes(every).size() == 200);
            Map<String, Long> last = Map.of("hot", 100L, "cold0", 50L, "cold1", 50L);
            await("the latest of each key, conflated").atMost(Duration.ofSeconds(30))
                    .until(() -> latestVersions(conflated).equals(last));

            List<JsonNode> received = ofType(conflated, "change");
            assertTrue(received.size() < 200, "conflated: " + received.size() + " frames for 200 changes");
            Map<String, Long> seen = new HashMap<>();
            long previousOffset = -1;
            for (JsonNode change : received) {
                long version = change.get("version").asLong();
                assertTrue(version > seen.getOrDefault(change.get("key").asText(), 0L), "versions only grow: " + received);
                seen.put(change.get("key").asText(), version);
                long offset = Long.parseLong(change.get("token").asText().split("\\.")[3]);
                assertTrue(offset > previousOffset, "tokens only grow: " + received);
                previousOffset = offset;
            }
        }
    }

    @Test
    void aResumeFromAConflatedTokenEndsAtTheSameState() throws Exception {
        String table = table();
        String token;
        try (TableSubscription conflated = conflated(table, "200")) {
            await("the snapshot").atMost(Duration.ofSeconds(30))
                    .until(() -> ofType(conflated, "snapshot").stream().anyMatch(f -> f.get("last").asBoolean()));
            for (int version = 1; version <= 30; version++) {
                publish(table, "k" + version % 3, Integer.toString(version), (version + 2) / 3);
            }
            await("the first conflated change").atMost(Duration.ofSeconds(30))
                    .until(() -> !ofType(conflated, "change").isEmpty());
            token = ofType(conflated, "change").get(0).get("token").asText();
        }
        try (TableSubscription resumed = subscribed(table, token)) {
            await("the rest").atMost(Duration.ofSeconds(30))
                    .until(() -> latestVersions(resumed).equals(Map.of("k0", 10L, "k1", 10L, "k2", 10L)));
        }
    }

    @Test
    void everySubscriberHearsHowManySubscribeAsTheyComeAndGo() {
        String table = table();
        try (TableSubscription first = subscribed(table)) {
            await("one").atMost(Duration.ofSeconds(30)).until(() -> lastPresence(first) == 1);
            try (TableSubscription second = conflated(table, "100")) {
                await("two, to the first").atMost(Duration.ofSeconds(30)).until(() -> lastPresence(first) == 2);
                await("two, to the second").atMost(Duration.ofSeconds(30)).until(() -> lastPresence(second) == 2);
            }
            await("one again").atMost(Duration.ofSeconds(30)).until(() -> lastPresence(first) == 1);
        }
    }

    private static int lastPresence(TableSubscription subscription) {
        List<JsonNode> presence = ofType(subscription, "presence");
        return presence.isEmpty() ? -1 : presence.get(presence.size() - 1).get("subscribers").asInt();
    }

    @Test
    void anIntervalOutOfBoundsIsRefused() {
        for (String conflate : List.of("10", "60001", "-1", "soon", "1e3")) {
            try (TableSubscription refused = conflated(table(), conflate)) {
                String closed = refused.closed().orTimeout(30, java.util.concurrent.TimeUnit.SECONDS).join();
                assertTrue(closed.startsWith("1008 "), conflate + ": " + closed);
                List<JsonNode> frames = parsed(refused);
                assertEquals(1, frames.size(), conflate + ": " + frames);
                assertEquals("invalid_request", frames.get(0).get("error").asText(), conflate);
                assertTrue(frames.get(0).get("message").asText().contains("conflate"), conflate);
            }
        }
    }
}
