package rtkv.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import rtkv.schema.ChangeEvent;
import rtkv.schema.ChangeOp;

class KeyVersionsTest {

    private static ChangeEvent put(String key, long version, long seq) {
        return new ChangeEvent("t", key, ChangeOp.PUT, "\"v" + version + "\"", version, null, 0, 0, seq);
    }

    private static ChangeEvent delete(String key, long version, long seq) {
        return new ChangeEvent("t", key, ChangeOp.DELETE, null, version, null, 0, 0, seq);
    }

    private static Map<String, Long> live(KeyVersions keys) {
        return versions(keys, 0);
    }

    private static Map<String, Long> versions(KeyVersions keys, long now) {
        Map<String, Long> versions = new TreeMap<>();
        keys.live(now).forEach((key, entry) -> versions.put(key, entry.version()));
        return versions;
    }

    @Test
    void whatTheSnapshotHoldsIsNotTakenAgain() {
        KeyVersions keys = new KeyVersions(0, -1);
        keys.load(Map.of("a", new Entry("1", 4, null), "gone", new Entry(null, 2, null)), 100);
        assertFalse(keys.offer(put("b", 1, 100)), "committed at or before the snapshot");
        assertTrue(keys.offer(put("b", 1, 101)));
        assertTrue(keys.offer(put("gone", 3, 102)), "a snapshot's tombstones are not kept");
        assertEquals(Map.of("a", 4L, "b", 1L, "gone", 3L), live(keys));
        assertEquals(100, keys.covered());
    }

    @Test
    void aChangeOfAnOlderTransactionThanOneTakenIsACopy() {
        KeyVersions keys = new KeyVersions(0, 10);
        assertTrue(keys.offer(put("a", 1, 11)));
        assertTrue(keys.offer(put("b", 1, 12)));
        assertFalse(keys.offer(put("a", 1, 11)), "a copy");
        assertFalse(keys.offer(put("c", 7, 11)), "of an older transaction, even for a key never seen");
        assertEquals(Map.of("a", 1L, "b", 1L), live(keys));
    }

    @Test
    void withinATransactionOnlyHigherVersionsOfAKeyPass() {
        KeyVersions keys = new KeyVersions(0, 10);
        assertTrue(keys.offer(put("a", 1, 11)));
        assertTrue(keys.offer(put("b", 1, 11)), "another key of the same transaction");
        assertTrue(keys.offer(put("a", 2, 11)), "a batch that writes a key twice");
        assertFalse(keys.offer(put("a", 2, 11)));
        assertFalse(keys.offer(put("a", 1, 11)));
        assertTrue(keys.offer(delete("b", 2, 11)));
        assertFalse(keys.offer(delete("b", 2, 11)), "a deleted key's version is kept within its transaction");
        assertFalse(keys.offer(put("b", 1, 11)));
        assertEquals(Map.of("a", 2L), live(keys));
    }

    @Test
    void aLaterTransactionNeedsAHigherVersionForALiveKeyAndForgetsOlderTombstones() {
        KeyVersions keys = new KeyVersions(0, 10);
        keys.offer(put("a", 5, 11));
        keys.offer(delete("d", 3, 11));
        assertFalse(keys.offer(put("a", 4, 12)), "an older version, committed later");
        assertFalse(keys.offer(put("a", 5, 12)));
        assertTrue(keys.offer(put("a", 6, 12)));
        assertNull(keys.get("d"), "tombstones of older transactions are let go");
        assertTrue(keys.offer(put("d", 4, 13)));
        assertEquals(Map.of("a", 6L, "d", 4L), live(keys));
    }

    @Test
    void aChangeNotTakenMovesNothingEvenWithALaterSequence() {
        KeyVersions keys = new KeyVersions(0, 10);
        keys.offer(put("a", 5, 11));
        assertFalse(keys.offer(put("a", 4, 1_000_000)), "an older version produced again with a sequence far ahead");
        assertTrue(keys.offer(put("a", 6, 12)), "the real next change still passes");
        assertTrue(keys.offer(put("b", 1, 13)));
    }

    @Test
    void anotherShardsChangesAreCheckedByVersionOnly() {
        KeyVersions keys = new KeyVersions(0, 10);
        keys.offer(put("a", 5, 20));
        ChangeEvent elsewhere = new ChangeEvent("t", "a", ChangeOp.PUT, "1", 6, null, 0, 1, 3);
        assertTrue(keys.offer(elsewhere));
        assertFalse(keys.offer(new ChangeEvent("t", "a", ChangeOp.PUT, "1", 6, null, 0, 1, 4)));
    }

    @Test
    void anExpiredKeyIsHeldButNotLive() {
        KeyVersions keys = new KeyVersions(0, 0);
        keys.offer(new ChangeEvent("t", "a", ChangeOp.PUT, "1", 1, 1_000L, 0, 0, 1));
        assertEquals(Map.of("a", 1L), versions(keys, 999));
        assertEquals(Map.of(), versions(keys, 1_000));
        assertFalse(keys.offer(put("a", 1, 2)));
    }
}
