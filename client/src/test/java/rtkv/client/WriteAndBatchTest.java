package rtkv.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a write and a batch send, and what they refuse before sending anything. */
class WriteAndBatchTest {

    @Test
    void aBatchIsTheApisJsonInTheOrderItWasBuilt() {
        Batch batch = Batch.of().put("a", Map.of("n", 1), Write.options().ttl(Duration.ofSeconds(60)).ifAbsent())
                .put("b", 2, Write.options().ifVersion(3)).delete("c", Write.options().ifVersion(4)).incr("d", -2);
        assertEquals("{\"ops\":[{\"op\":\"put\",\"key\":\"a\",\"value\":{\"n\":1},\"ttl\":60,\"ifNoneMatch\":\"*\"},"
                + "{\"op\":\"put\",\"key\":\"b\",\"value\":2,\"ifMatch\":3},{\"op\":\"delete\",\"key\":\"c\",\"ifMatch\":4},"
                + "{\"op\":\"incr\",\"key\":\"d\",\"by\":-2}]}", batch.json());
        assertEquals(4, batch.size());
    }

    @Test
    void badWritesAreRefusedBeforeAnythingIsSent() {
        assertThrows(IllegalArgumentException.class, () -> Batch.of().json(), "an empty batch");
        assertThrows(IllegalArgumentException.class, () -> Batch.of().put("", 1), "an empty key");
        assertThrows(IllegalArgumentException.class, () -> Batch.of().delete("a", Write.options().ifAbsent()));
        assertThrows(IllegalArgumentException.class, () -> Write.options().ifVersion(0));
        assertThrows(IllegalArgumentException.class, () -> Write.options().ifVersion(2).ifAbsent(), "two conditions");
        assertThrows(IllegalArgumentException.class, () -> Write.options().ifAbsent().ifVersion(2), "two conditions");
        assertThrows(IllegalArgumentException.class, () -> Write.options().ttl(Duration.ofMillis(1500)));
        assertThrows(IllegalArgumentException.class, () -> Write.options().ttl(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> Write.options().idempotencyKey("has space"));
        assertThrows(IllegalArgumentException.class, () -> Write.options().idempotencyKey("x".repeat(129)));
        Write write = Write.options().ifAbsent().ttl(Duration.ofMinutes(1)).idempotencyKey("k-1");
        assertTrue(write.createOnly());
        assertEquals(60, write.ttl().getSeconds());
    }

    @Test
    void aClientsSettingsAreCheckedTogether() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RtkvClient.builder()
                .api("127.0.0.1:8080").fanout("http://127.0.0.1:8081").timeout(Duration.ZERO).retries(-1).build());
        for (String named : new String[] {"api", "fanout", "timeout", "retries"}) {
            assertTrue(e.getMessage().contains(named), named + " in: " + e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> RtkvClient.builder().build(), "nothing to connect to");
        for (String[] bad : new String[][] {{"http://a|b:1", "ws://h:1"}, {"http://h:1", "ws://a|b:1"}}) {
            assertThrows(IllegalArgumentException.class, () -> RtkvClient.builder().api(bad[0]).fanout(bad[1]).build(),
                    "no URI: " + String.join(" ", bad));
        }
        assertThrows(IllegalArgumentException.class, () -> RtkvClient.builder().api("http://h:1").apiKey("rk.a\r\nX: y")
                .build(), "a header in a key");
        assertThrows(IllegalArgumentException.class, () -> RtkvClient.builder().fanout("ws://h:1")
                .heartbeat(Duration.ofSeconds(30)).build(), "a heartbeat the node would not wait for");
        try (RtkvClient onlyApi = RtkvClient.builder().api("http://127.0.0.1:1").build()) {
            assertThrows(IllegalStateException.class, () -> onlyApi.table("t").subscribe(), "no fanout address");
        }
        try (RtkvClient both = RtkvClient.builder().api("http://127.0.0.1:1").fanout("ws://127.0.0.1:1").build()) {
            assertThrows(IllegalStateException.class, () -> both.table("t").subscribe().heartbeat(Duration.ofSeconds(1)),
                    "a shared connection's heartbeat is the client's");
        }
    }

    @Test
    void aClosedClientRefusesToWorkLoudly() {
        RtkvClient client = RtkvClient.builder().api("http://127.0.0.1:1").fanout("ws://127.0.0.1:1").build();
        Table table = client.table("t");
        client.close();
        client.close();
        assertThrows(IllegalStateException.class, () -> table.get("k"));
        assertThrows(IllegalStateException.class, () -> client.table("t").subscribe());
    }

    @Test
    void aScopeIsAKeyByTheServersRules() {
        Subscription.Builder builder = Subscription.to("ws://127.0.0.1:1", "t");
        assertThrows(IllegalArgumentException.class, () -> builder.only("a\0b"));
        assertThrows(IllegalArgumentException.class, () -> builder.prefix("é".repeat(257)), "514 bytes");
        builder.prefix("é".repeat(256));
    }
}
