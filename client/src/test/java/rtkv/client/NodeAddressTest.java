package rtkv.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class NodeAddressTest {

    @Test
    void takesANodeAddressAndDropsItsTrailingSlash() {
        assertEquals("ws://127.0.0.1:8081", NodeAddress.of("ws://127.0.0.1:8081/"));
        assertEquals("wss://fanout.example:443", NodeAddress.of("wss://fanout.example:443"));
    }

    @Test
    void refusesAnAddressWithAPathAQueryOrAnotherScheme() {
        for (String bad : new String[] {"http://h:1", "ws://h:1/v1", "ws://h:1?x=1", "ws:// h:1", "", null}) {
            assertThrows(IllegalArgumentException.class, () -> NodeAddress.of(bad), String.valueOf(bad));
        }
    }

    @Test
    void aMovedFrameNamingNoUsableNodeGivesNull() {
        assertNull(NodeAddress.orNull("not a node"));
        assertNull(NodeAddress.orNull(null));
        assertEquals("ws://n2:8081", NodeAddress.orNull("ws://n2:8081/"));
    }

    @Test
    void encodesTheTableAndTheTokenInTheSubscribeUri() {
        assertEquals("ws://h:1/v1/tables/a%20b%2Fc/subscribe",
                NodeAddress.subscribe("ws://h:1", "a b/c", null, NodeAddress.Options.NONE).toString());
        assertEquals("ws://h:1/v1/tables/t/subscribe?resume=x%2By%3D&conflate=250",
                NodeAddress.subscribe("ws://h:1", "t", "x+y=", new NodeAddress.Options(Duration.ofMillis(250), null, null)).toString());
    }

    @Test
    void encodesOneKeyOrAPrefixAndRefusesBoth() {
        assertEquals("ws://h:1/v1/tables/t/subscribe?only=a%20b%2Fc%26d",
                NodeAddress.subscribe("ws://h:1", "t", null, new NodeAddress.Options(Duration.ZERO, "a b/c&d", null)).toString());
        assertEquals("ws://h:1/v1/tables/t/subscribe?prefix=user%2F%C3%A9",
                NodeAddress.subscribe("ws://h:1", "t", null, new NodeAddress.Options(Duration.ZERO, null, "user/\u00e9")).toString());
        assertThrows(IllegalArgumentException.class, () -> new NodeAddress.Options(Duration.ZERO, "a", "b"));
        assertThrows(IllegalArgumentException.class, () -> NodeAddress.keyOrPrefix("prefix", ""));
        assertThrows(IllegalArgumentException.class, () -> Subscription.to("ws://h:1", "t").only("a").prefix("b").open());
    }
}
