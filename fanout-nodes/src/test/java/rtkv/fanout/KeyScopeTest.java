package rtkv.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class KeyScopeTest {

    private static final SortedMap<String, Integer> TABLE = new TreeMap<>();

    static {
        for (String key : List.of("a", "user", "user/", "user/alice", "user/bob", "user0", "userz", "users/x", "\uffff")) {
            TABLE.put(key, key.length());
        }
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
        assertTrue(all.all());
        assertTrue(all.matches("anything"));
        assertSame(TABLE, all.select(TABLE));
    }

    @Test
    void aPrefixSelectsExactlyTheKeysThatBeginWithIt() {
        KeyScope users = scope(null, "user/");
        assertEquals(List.of("user/", "user/alice", "user/bob"), List.copyOf(users.select(TABLE).keySet()));
        assertTrue(users.matches("user/carol"));
        assertFalse(users.matches("user"));
        assertFalse(users.matches("users/x"));
        assertEquals(List.of("user", "user/", "user/alice", "user/bob", "user0", "users/x", "userz"),
                List.copyOf(scope(null, "user").select(TABLE).keySet()));
        assertEquals(List.of("\uffff"), List.copyOf(scope(null, "\uffff").select(TABLE).keySet()));
        assertTrue(scope(null, "nobody").select(TABLE).isEmpty());
    }

    @Test
    void onlySelectsOneKeyAndNotTheKeysItBegins() {
        KeyScope user = scope("user", null);
        assertEquals(List.of("user"), List.copyOf(user.select(TABLE).keySet()));
        assertTrue(user.matches("user"));
        assertFalse(user.matches("user/alice"));
        assertTrue(scope("missing", null).select(TABLE).isEmpty());
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
