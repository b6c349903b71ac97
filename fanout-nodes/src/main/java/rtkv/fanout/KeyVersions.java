package rtkv.fanout;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import rtkv.schema.ChangeEvent;
import rtkv.schema.ChangeOp;

/**
 * The keys of one table as far as a stream has brought them, and the rule that lets only what is newer
 * in. The topic is delivered at least once: a relay's first snapshot publishes rows the log may hold
 * already, a consumer reading uncommitted records sees sends a fenced relay never committed, and anything
 * may produce to the topic by hand. A change passes only when it is newer than what is held for its
 * key, so whoever is sent what passes sees each key's version only grow.
 *
 * <p>Two facts make that cheap. All changes of a table come from its one shard, in the order of the
 * shard's GTID sequence, so a change of an older transaction than one already applied is a copy, whatever
 * its key. Within a transaction, a key's version grows with each of its changes. So a deleted key's
 * version is kept only until the next transaction, and memory follows the live keys, not the deleted ones.
 */
final class KeyVersions {

    private final int shard;
    private final Map<String, Entry> entries = new HashMap<>();
    // Deleted keys whose versions are still needed: those deleted in the newest transaction.
    private final List<String> recentTombstones = new ArrayList<>();
    private long covered;
    private long newest;

    /** @param covered every change of {@code shard} up to this GTID sequence is held already, or not needed */
    KeyVersions(int shard, long covered) {
        this.shard = shard;
        this.covered = covered;
        this.newest = covered;
    }

    /** Starts again from a snapshot of the shard at {@code covered}: its live rows are what is held. */
    void load(Map<String, Entry> rows, long covered) {
        entries.clear();
        recentTombstones.clear();
        rows.forEach((key, entry) -> {
            if (entry.value() != null) {
                entries.put(key, entry);
            }
        });
        this.covered = covered;
        this.newest = covered;
    }

    /** The GTID sequence of the shard up to which every change is held. */
    long covered() {
        return covered;
    }

    /** Whether {@code event} is one the snapshot holds: of this shard, at or before its GTID sequence. */
    boolean inSnapshot(ChangeEvent event) {
        return event.shard() == shard && event.seq() <= covered;
    }

    /**
     * Whether a change after the snapshot was taken in: then every change of the snapshot has passed too,
     * since a table's changes come in GTID order, and any that comes now is a copy.
     */
    boolean passedSnapshot() {
        return newest > covered;
    }

    /**
     * Takes {@code event} when it is newer than what is held for its key. Answers false for a change the
     * snapshot already holds, one of an older transaction than one taken, and one whose version is not
     * above the key's.
     */
    boolean offer(ChangeEvent event) {
        boolean laterTransaction = false;
        if (event.shard() == shard) {
            if (event.seq() <= covered || event.seq() < newest) {
                return false;
            }
            laterTransaction = event.seq() > newest;
        }
        Entry held = entries.get(event.key());
        if (laterTransaction && held != null && held.value() == null) {
            held = null; // a tombstone of an older transaction, forgotten as this one is taken
        }
        if (held != null && held.version() >= event.version()) {
            // Not taken, so it moves nothing: a copy carrying a later sequence by hand would otherwise
            // make every real change after it look older.
            return false;
        }
        if (laterTransaction) {
            forgetTombstones();
            newest = event.seq();
        }
        if (event.op() == ChangeOp.PUT) {
            entries.put(event.key(), new Entry(event.value(), event.version(), event.expiresAt()));
        } else {
            entries.put(event.key(), new Entry(null, event.version(), null));
            recentTombstones.add(event.key());
        }
        return true;
    }

    private void forgetTombstones() {
        for (String key : recentTombstones) {
            Entry entry = entries.get(key);
            if (entry != null && entry.value() == null) {
                entries.remove(key);
            }
        }
        recentTombstones.clear();
    }

    /** The key's live value or recent tombstone, or null. */
    Entry get(String key) {
        return entries.get(key);
    }

    /** The keys live at {@code now}, in key order. */
    SortedMap<String, Entry> live(long now) {
        return live(now, KeyScope.ALL);
    }

    /**
     * The keys in {@code scope} live at {@code now}, in key order: one lookup for one key, else one pass
     * that sorts only the keys in scope, so a scoped snapshot of a large table is not a copy of all of it.
     */
    SortedMap<String, Entry> live(long now, KeyScope scope) {
        SortedMap<String, Entry> live = new TreeMap<>();
        if (scope.only() != null) {
            Entry entry = entries.get(scope.only());
            if (entry != null && entry.isLive(now)) {
                live.put(scope.only(), entry);
            }
            return live;
        }
        entries.forEach((key, entry) -> {
            if (entry.isLive(now) && scope.matches(key)) {
                live.put(key, entry);
            }
        });
        return live;
    }
}
