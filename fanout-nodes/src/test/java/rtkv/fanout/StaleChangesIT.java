package rtkv.fanout;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static rtkv.fanout.FanoutFixture.changes;
import static rtkv.fanout.FanoutFixture.conflated;
import static rtkv.fanout.FanoutFixture.latestVersions;
import static rtkv.fanout.FanoutFixture.event;
import static rtkv.fanout.FanoutFixture.insert;
import static rtkv.fanout.FanoutFixture.lastSnapshotFrame;
import static rtkv.fanout.FanoutFixture.ofType;
import static rtkv.fanout.FanoutFixture.publish;
import static rtkv.fanout.FanoutFixture.subscribed;
import static rtkv.fanout.FanoutFixture.table;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import rtkv.infra.TableSubscription;
import rtkv.schema.ChangeEvent;

/**
 * Records a subscriber already has, or older than what it has, produced into the topic again: a relay
 * replaying its last batch after a takeover, or anything that writes to the topic by hand. The node lets
 * none of them through, to live, conflated, new or resuming subscribers, and its own copy stays right.
 */
@ExtendWith(FanoutFixture.class)
class StaleChangesIT {

    @Test
    void copiesAndOlderVersionsReachNoSubscriberAndTheNodesCopyStaysRight() throws Exception {
        String table = table();
        try (TableSubscription live = subscribed(table); TableSubscription conflated = conflated(table, "50")) {
            await("the conflated snapshot").atMost(Duration.ofSeconds(30))
                    .until(() -> ofType(conflated, "snapshot").stream().anyMatch(f -> f.get("last").asBoolean()));
            ChangeEvent put1 = event(table, "k", "1", 1);
            ChangeEvent delete2 = event(table, "k", null, 2);
            ChangeEvent put3 = event(table, "k", "3", 3);
            for (ChangeEvent change : List.of(put1, delete2, put3)) {
                publish(change);
            }
            await("the three changes").atMost(Duration.ofSeconds(30)).until(() -> changes(live).size() == 3);
            await("k@3, conflated").atMost(Duration.ofSeconds(30)).until(() -> Long.valueOf(3).equals(latestVersions(conflated).get("k")));

            // Copies of each, a later transaction carrying an older version, and one carrying the same.
            for (ChangeEvent copy : List.of(delete2, put1, put3, event(table, "k", "2", 2), event(table, "k", null, 3))) {
                publish(copy);
            }
            publish(event(table, "end", "1", 1));
            await("the change after them").atMost(Duration.ofSeconds(30)).until(() -> changes(live).contains("end:put:1"));
            await("and conflated").atMost(Duration.ofSeconds(30)).until(() -> latestVersions(conflated).containsKey("end"));

            assertEquals(List.of("k:put:1", "k:delete:2", "k:put:3", "end:put:1"), changes(live));
            assertEquals(List.of(), regressions(live));
            assertEquals(List.of(), regressions(conflated));
            assertEquals(Map.of("k", 3L, "end", 1L), latestVersions(conflated));

            try (TableSubscription later = subscribed(table)) {
                assertEquals(Map.of("k", 3L, "end", 1L), snapshotVersions(later), "the node's copy is right");
                publish(delete2);
                publish(put3);
                publish(event(table, "end", "2", 2));
                await("the next change").atMost(Duration.ofSeconds(30)).until(() -> !changes(later).isEmpty());
                assertEquals(List.of("end:put:2"), changes(later), "nothing before it, across the snapshot");
            }
        }
    }

    @Test
    void aResumeReplaysNoCopies() throws Exception {
        String table = table();
        ChangeEvent put1 = event(table, "k", "1", 1);
        String token;
        // Holds the table's state on the node: the fixture's changes are not in the shard, so a state
        // loaded from it afterwards would not know them.
        TableSubscription keeper = subscribed(table);
        try (TableSubscription first = subscribed(table)) {
            publish(put1);
            await("the first change").atMost(Duration.ofSeconds(30)).until(() -> changes(first).size() == 1);
            token = ofType(first, "change").get(0).get("token").asText();
        }
        ChangeEvent delete2 = event(table, "k", null, 2);
        ChangeEvent put3 = event(table, "k", "3", 3);
        // The change the token is at, again, then the missed ones with copies among them.
        for (ChangeEvent change : List.of(put1, delete2, put3, delete2, put1, put3, event(table, "k", "2", 2))) {
            publish(change);
        }
        publish(event(table, "end", "1", 1));
        try (TableSubscription resumed = subscribed(table, token)) {
            await("the missed changes").atMost(Duration.ofSeconds(30)).until(() -> changes(resumed).contains("end:put:1"));
            publish(delete2);
            publish(event(table, "end", "2", 2));
            await("then a live one").atMost(Duration.ofSeconds(30)).until(() -> changes(resumed).contains("end:put:2"));
            assertEquals(List.of("k:delete:2", "k:put:3", "end:put:1", "end:put:2"), changes(resumed));
        } finally {
            keeper.close();
        }
    }

    @Test
    void aResumerGetsAChangeItLacksThatTheNodesSnapshotAlreadyHeld() throws Exception {
        // A token from an earlier state of the table, at GTID G1; the node loads the table again at a
        // later G2; a change committed between them reaches Kafka only once the resumer is attached, as
        // from a relay that lags. The node's state skips it (its snapshot has it); the resumer needs it.
        String table = table();
        insert(table, "before", "1", 1);
        String token;
        try (TableSubscription first = subscribed(table)) {
            token = lastSnapshotFrame(first).get("token").asText();
        }
        long g1 = Long.parseLong(token.substring(token.lastIndexOf('.') + 1));
        insert(table, "after", "1", 1);
        TableSubscription resumed = subscribed(table, token);
        TableSubscription conflatedResumed = conflated(table, "50&resume=" + token);
        try (resumed; conflatedResumed) {
            await("both resumed").atMost(Duration.ofSeconds(30)).until(() -> !ofType(conflatedResumed, "resumed").isEmpty());
            publish(new ChangeEvent(table, "late", rtkv.schema.ChangeOp.PUT, "\"late\"", 1, null, 0, 0, g1 + 1));
            publish(event(table, "next", "1", 1));
            await("the late change, then the next").atMost(Duration.ofSeconds(30))
                    .until(() -> changes(resumed).contains("next:put:1") && latestVersions(conflatedResumed).containsKey("next"));
            assertEquals(List.of("late:put:1", "next:put:1"), changes(resumed));
            assertEquals(Map.of("late", 1L, "next", 1L), latestVersions(conflatedResumed));
            try (TableSubscription fresh = subscribed(table)) {
                assertEquals(Map.of("before", 1L, "after", 1L, "next", 1L), snapshotVersions(fresh),
                        "a new subscriber's snapshot has what the shard had, and the change after it");
            }
        }
    }

    @Test
    void aResumerGetsTheChangesItsReplayReadPastTheNodeWhenTheNodesSnapshotHeldThem() throws Exception {
        // As the soak found (seed 4960273309360): the resumer's replay reads changes the node's feed has
        // not handed out yet; attached, it leaves them to the node, whose new state's snapshot holds them,
        // so the node sends them only to a resumer that lacks them. The replay must not count them as sent.
        String table = table();
        insert(table, "before", "1", 1);
        String token;
        try (TableSubscription first = subscribed(table)) {
            token = lastSnapshotFrame(first).get("token").asText();
        }
        await("the node let go of the table").atMost(Duration.ofSeconds(30))
                .until(() -> FanoutFixture.server.subscriberCount(table) == 0);
        long g1 = Long.parseLong(token.substring(token.lastIndexOf('.') + 1));
        insert(table, "after", "1", 1);
        ChangeFeed feed = FanoutFixture.server.feed();
        feed.hold();
        try {
            publish(new ChangeEvent(table, "after", rtkv.schema.ChangeOp.PUT, "\"1\"", 1, null, 0, 0, g1 + 1));
            TableSubscription resumed = subscribed(table, token);
            TableSubscription conflatedResumed = conflated(table, "50&resume=" + token);
            try (resumed; conflatedResumed) {
                await("both attached to the node's new state of the table, which holds after@1")
                        .atMost(Duration.ofSeconds(30)).until(() -> !ofType(resumed, "presence").isEmpty()
                                && !ofType(conflatedResumed, "presence").isEmpty());
                feed.release();
                publish(event(table, "next", "1", 1));
                await("the next change").atMost(Duration.ofSeconds(30)).until(() -> changes(resumed).contains("next:put:1")
                        && latestVersions(conflatedResumed).containsKey("next"));
                assertEquals(List.of("after:put:1", "next:put:1"), changes(resumed));
                assertEquals(Map.of("after", 1L, "next", 1L), latestVersions(conflatedResumed));
            }
        } finally {
            feed.release();
        }
    }

    private static Map<String, Long> snapshotVersions(TableSubscription subscription) {
        Map<String, Long> versions = new HashMap<>();
        lastSnapshotFrame(subscription).get("entries").forEach(e -> versions.put(e.get("key").asText(), e.get("version").asLong()));
        return versions;
    }

    /** Every frame that gave a key a version not above the one the connection had given it before. */
    static List<String> regressions(TableSubscription subscription) {
        Map<String, Long> sent = new HashMap<>();
        List<String> found = new ArrayList<>();
        for (JsonNode frame : FanoutFixture.parsed(subscription)) {
            List<JsonNode> entries = new ArrayList<>();
            switch (frame.get("type").asText()) {
                case "snapshot" -> frame.get("entries").forEach(entries::add);
                case "change" -> entries.add(frame);
                default -> { }
            }
            for (JsonNode entry : entries) {
                String key = entry.get("key").asText();
                long version = entry.get("version").asLong();
                Long before = sent.put(key, version);
                if (before != null && version <= before) {
                    found.add(key + "@" + version + " after @" + before);
                }
            }
        }
        return found;
    }
}
