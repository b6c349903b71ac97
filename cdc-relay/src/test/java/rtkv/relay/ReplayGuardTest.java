package rtkv.relay;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import rtkv.schema.ChangeEvent;
import rtkv.schema.ChangeOp;

class ReplayGuardTest {

    private static ChangeEvent put(String key, long version, long seq) {
        return new ChangeEvent("t", key, ChangeOp.PUT, "1", version, null, 0, 0, seq);
    }

    @Test
    void skipsEachAlreadyPublishedChangeOnceThenStepsAside() {
        Set<String> published = new HashSet<>(Set.of(ReplayGuard.identity(put("a", 3, 10)),
                ReplayGuard.identity(put("b", 1, 10)), ReplayGuard.identity(put("a", 4, 11))));
        ReplayGuard guard = new ReplayGuard(published, 11);

        assertTrue(guard.alreadyPublished(put("a", 3, 10)));
        assertFalse(guard.alreadyPublished(put("a", 3, 10)), "answered once");
        assertFalse(guard.alreadyPublished(put("c", 1, 10)), "never published: the crash came before it");
        assertTrue(guard.alreadyPublished(put("b", 1, 10)));
        assertFalse(guard.alreadyPublished(put("z", 1, 12)), "a later transaction: the replay is over");
        assertFalse(guard.alreadyPublished(put("a", 4, 11)), "and the guard has let go");
    }

    @Test
    void withNothingPublishedItSkipsNothing() {
        assertFalse(ReplayGuard.none().alreadyPublished(put("a", 1, 1)));
    }
}
