package rtkv.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

class RequestContextTest {

    @AfterEach
    void leave() {
        RequestContext.leave();
    }

    @Test
    void aKeysPathPutsItsTableAndDecodedKeyInTheContext() {
        RequestContext.enter("/v1/tables/scores/keys/player%207%2Bx+y/incr");
        assertEquals("scores", MDC.get("table"));
        assertEquals("player 7+x+y", MDC.get("key"));
    }

    @Test
    void aTablePathPutsOnlyTheTable() {
        RequestContext.enter("/v1/tables/scores/batch");
        assertEquals("scores", MDC.get("table"));
        assertNull(MDC.get("key"));
    }

    @Test
    void anotherPathClearsWhatAnEarlierRequestLeft() {
        RequestContext.enter("/v1/tables/scores/keys/a");
        RequestContext.enter("/v1/admin/keys");
        assertNull(MDC.get("table"));
        assertNull(MDC.get("key"));
    }

    @Test
    void aMalformedEscapeIsKeptAsSent() {
        RequestContext.enter("/v1/tables/t/keys/%zz");
        assertEquals("%zz", MDC.get("key"));
    }
}
