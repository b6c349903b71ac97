package rtkv.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import org.junit.jupiter.api.Test;

/** The protocol logic, fed frames directly: no server, no socket. */
class SubscriptionTest {

    private final List<String> events = new ArrayList<>();
    private final Subscription subscription = Subscription.to("ws://127.0.0.1:1", "t")
            .listener(new Listener() {
                @Override
                public void onChange(Change change) {
                    events.add(change.op() + " " + change.key() + " v" + change.version());
                }

                @Override
                public void onSnapshot(SortedMap<String, Entry> table) {
                    events.add("snapshot " + table.keySet());
                }

                @Override
                public void onResync(String reason) {
                    events.add("resync");
                }

                @Override
                public void onError(String error, String message) {
                    events.add("error " + error + ": " + message);
                }
            })
            .unconnected();

    private void handle(String frame) {
        subscription.handle(Frames.parseOrNull(frame));
    }

    private static String snapshot(String entries, boolean last, String token) {
        return "{\"type\":\"snapshot\",\"entries\":[" + entries + "],\"last\":" + last
                + (last ? ",\"token\":\"" + token + "\"" : "") + "}";
    }

    private static String change(String op, String key, String value, long version, String token) {
        return "{\"type\":\"change\",\"op\":\"" + op + "\",\"key\":\"" + key + "\",\"value\":" + value + ",\"version\":"
                + version + ",\"expiresAt\":null,\"token\":\"" + token + "\"}";
    }

    @Test
    void appliesASnapshotInChunksThenChanges() {
        handle(snapshot("{\"key\":\"a\",\"value\":1,\"version\":3,\"expiresAt\":null}", false, null));
        assertTrue(subscription.entries().isEmpty(), "nothing applied before the last chunk");
        handle(snapshot("{\"key\":\"b\",\"value\":{\"n\":1.50},\"version\":1,\"expiresAt\":null}", true, "t1"));
        assertEquals(List.of("a", "b"), List.copyOf(subscription.entries().keySet()));
        assertEquals("1.50", subscription.get("b").orElseThrow().value().get("n").toString(), "numbers keep their digits");
        assertEquals("t1", subscription.token());
        assertEquals(Status.LIVE, subscription.status());

        handle(change("put", "a", "2", 4, "t2"));
        handle(change("delete", "b", "null", 2, "t3"));
        assertEquals(2, subscription.get("a").orElseThrow().value().asInt());
        assertTrue(subscription.get("b").isEmpty());
        assertEquals("t3", subscription.token());
        assertEquals(List.of("snapshot [a, b]", "put a v4", "delete b v2"), events);
        subscription.close();
    }

    @Test
    void neverAppliesAChangeOlderThanWhatItHolds() {
        handle(snapshot("{\"key\":\"a\",\"value\":1,\"version\":5,\"expiresAt\":null}", true, "t1"));
        handle(change("put", "a", "0", 5, "stale"));
        handle(change("delete", "a", "null", 6, "t2"));
        handle(change("put", "a", "9", 6, "stale-after-delete"));

        assertTrue(subscription.get("a").isEmpty());
        assertEquals(2, subscription.staleDropped());
        assertEquals("t2", subscription.token(), "a dropped change does not move the token");
        subscription.close();
    }

    @Test
    void aResyncForgetsTheTokenAndTheNextSnapshotReplacesTheTable() {
        handle(snapshot("{\"key\":\"a\",\"value\":1,\"version\":1,\"expiresAt\":null}", true, "t1"));
        handle("{\"type\":\"resync\",\"reason\":\"expired\"}");
        assertEquals(Status.RESYNCING, subscription.status());
        assertEquals(null, subscription.token());
        handle(snapshot("{\"key\":\"z\",\"value\":1,\"version\":1,\"expiresAt\":null}", true, "t9"));
        assertEquals(List.of("z"), List.copyOf(subscription.entries().keySet()));
        assertEquals(Status.LIVE, subscription.status());
        subscription.close();
    }

    @Test
    void anExpiredEntryIsGoneBeforeItsExpireArrives() {
        handle(snapshot("{\"key\":\"old\",\"value\":1,\"version\":1,\"expiresAt\":1000},"
                + "{\"key\":\"new\",\"value\":1,\"version\":1,\"expiresAt\":" + (System.currentTimeMillis() + 60_000) + "}",
                true, "t1"));
        assertTrue(subscription.get("old").isEmpty());
        assertTrue(subscription.get("new").isPresent());
        subscription.close();
    }

    @Test
    void aRefusedOrRevokedKeyClosesTheSubscriptionForGood() {
        handle(snapshot("", true, "t1"));
        handle("{\"type\":\"error\",\"error\":\"unauthorized\",\"message\":\"the API key was revoked\"}");
        assertEquals(Status.CLOSED, subscription.status(), "a retry cannot fix a revoked key");
        assertEquals(List.of("snapshot []", "error unauthorized: the API key was revoked"), events);
    }

    @Test
    void aConflationTheServerRefusesIsRefusedHereFirstAndEndsTheSubscriptionThere() {
        assertThrows(IllegalArgumentException.class, () -> Subscription.to("ws://127.0.0.1:1", "t")
                .conflate(Duration.ofMillis(10)));
        assertThrows(IllegalArgumentException.class, () -> Subscription.to("ws://127.0.0.1:1", "t")
                .conflate(Duration.ofMinutes(2)));
        handle("{\"type\":\"error\",\"error\":\"invalid_request\",\"message\":\"conflate is...\"}");
        assertEquals(Status.CLOSED, subscription.status(), "a retry cannot fix a bad parameter");
    }

    @Test
    void anInvalidFrameErrorKeepsTheSubscription() {
        handle(snapshot("", true, "t1"));
        handle("{\"type\":\"error\",\"error\":\"invalid_frame\",\"message\":\"what was that\"}");
        assertEquals(Status.LIVE, subscription.status());
        subscription.close();
    }

    @Test
    void anAddressThatIsNotAWebSocketIsRefusedUpFront() {
        assertThrows(IllegalArgumentException.class, () -> Subscription.to("http://127.0.0.1:8081", "t").open());
        assertThrows(IllegalArgumentException.class, () -> Subscription.to("ws://127.0.0.1:8081/path", "t").open());
    }
}
