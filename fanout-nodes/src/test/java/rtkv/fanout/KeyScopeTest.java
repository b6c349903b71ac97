package rtkv.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KeyScopeTest {

    private static final KeyVersions TABLE = new KeyVersions(0, -1);

    static {
        Map<String, Entry> rows = new HashMap<>();
        for (String key : List.of("a", "user", "user/", "user/alice", "user/bob", "user0", "userz", "users/x", "\uffff")) {
            rows.put(key, new Entry("1", 1, null));
        }
        rows.put("user/gone", new Entry(null, 2, null));
        TABLE.load(rows, 0);
    }

    /** The live keys of TABLE in {@code scope}, in order: what a snapshot of it holds. */
    private static List<String> select(KeyScope scope) {
        return List.copyOf(TABLE.live(0, scope).keySet());
    }

    private static KeyScope scope(String only, String prefix) {
        KeyScope.Result result = KeyScope.parse(only, prefix, 512);
        assertNull(result.problem(), "no problem with " + only + " / " + prefix);
        return result.scope();
    }

    private static String problem(String only, String prefix) {
        KeyScope.Result result = KeyScope.parse(only, prefix, 16);
        assertNull(result.scope());
        return result.problem();
    }

    @Test
    void withNeitherItWatchesTheWholeTable() {
        KeyScope all = scope(null, null);
        assertTrue(all.matches("anything"));
        assertEquals(List.copyOf(TABLE.live(0).keySet()), select(all));
        assertEquals(9, select(all).size());
    }

    @Test
    void aPrefixSelectsExactlyTheKeysThatBeginWithIt() {
        KeyScope users = scope(null, "user/");
        assertEquals(List.of("user/", "user/alice", "user/bob"), select(users));
        assertTrue(users.matches("user/carol"));
        assertFalse(users.matches("user"));
        assertFalse(users.matches("users/x"));
        assertEquals(List.of("user", "user/", "user/alice", "user/bob", "user0", "users/x", "userz"),
                select(scope(null, "user")));
        assertEquals(List.of("\uffff"), select(scope(null, "\uffff")));
        assertTrue(select(scope(null, "nobody")).isEmpty());
    }

    @Test
    void onlySelectsOneKeyAndNotTheKeysItBegins() {
        KeyScope user = scope("user", null);
        assertEquals(List.of("user"), select(user));
        assertTrue(user.matches("user"));
        assertFalse(user.matches("user/alice"));
        assertTrue(select(scope("missing", null)).isEmpty());
        assertTrue(select(scope("user/gone", null)).isEmpty(), "a deleted key is not in a snapshot");
    }

    @Test
    void badScopesAreRefusedWithTheReason() {
        assertTrue(problem("a", "b").contains("cannot go together"));
        assertTrue(problem(null, "").contains("prefix= is empty"));
        assertTrue(problem("", null).contains("the key is empty"));
        assertTrue(problem(null, "x".repeat(17)).contains("the limit is 16"));
        assertTrue(problem("k\u0000", null).contains("NUL"));
        assertTrue(problem(null, "\ud800").contains("not valid UTF-8"));
    }
}
