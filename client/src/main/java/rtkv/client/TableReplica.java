package rtkv.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The client's copy of one table: the snapshot being received, the keys it holds and the versions of
 * keys it saw deleted. It knows nothing of sockets, and leaves the stream's position (the token) to
 * its {@link Subscription}, which guards it with its own lock: it is not thread-safe.
 */
final class TableReplica {

    /**
     * How long a deleted key's version is remembered, to refuse a late change of it. Not forever: after
     * the server drops a tombstone (a day by default) a key created again starts from version 1.
     */
    private static final long REMEMBER_DELETES_MILLIS = 60_000;

    private final Map<String, Entry> state = new HashMap<>();
    private final Map<String, long[]> deleted = new HashMap<>();
    private TreeMap<String, Entry> incoming;
    private long staleDropped;

    /**
     * Takes one page of a snapshot. Nothing is applied until the last page: then the snapshot replaces
     * the table, and is returned; before it, null.
     */
    SortedMap<String, Entry> snapshotPage(JsonNode frame) {
        if (incoming == null) {
            incoming = new TreeMap<>();
        }
        for (JsonNode entry : frame.path("entries")) {
            incoming.put(entry.get("key").asText(), Entry.of(entry));
        }
        if (!frame.path("last").asBoolean()) {
            return null;
        }
        state.clear();
        deleted.clear();
        state.putAll(incoming);
        SortedMap<String, Entry> table = incoming;
        incoming = null;
        return table;
    }

    /** Forgets a snapshot still being received: a new connection, or a resync, sends another. */
    void dropPartialSnapshot() {
        incoming = null;
    }

    /** Applies a change frame, or returns null when it is not newer than what the replica holds. */
    Change apply(JsonNode frame, long now) {
        String key = frame.get("key").asText();
        long version = frame.get("version").asLong();
        Entry current = state.get(key);
        long[] gone = deleted.get(key);
        long held = current != null ? current.version()
                : gone != null && now - gone[1] < REMEMBER_DELETES_MILLIS ? gone[0] : 0;
        if (version <= held) {
            staleDropped++;
            return null;
        }
        String op = frame.get("op").asText();
        Entry entry = Entry.of(frame);
        if (op.equals("put")) {
            state.put(key, entry);
            deleted.remove(key);
        } else {
            state.remove(key);
            deleted.put(key, new long[] {version, now});
        }
        return new Change(op, key, op.equals("put") ? entry.value() : null, version, entry.expiresAt(),
                frame.get("token").asText());
    }

    Optional<Entry> get(String key, long now) {
        Entry entry = state.get(key);
        return entry != null && entry.isLive(now) ? Optional.of(entry) : Optional.empty();
    }

    SortedMap<String, Entry> live(long now) {
        TreeMap<String, Entry> live = new TreeMap<>();
        state.forEach((key, entry) -> {
            if (entry.isLive(now)) {
                live.put(key, entry);
            }
        });
        return live;
    }

    long staleDropped() {
        return staleDropped;
    }
}
