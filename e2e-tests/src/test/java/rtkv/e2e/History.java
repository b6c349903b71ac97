package rtkv.e2e;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import rtkv.client.Change;
import rtkv.client.Entry;
import rtkv.client.Listener;
import rtkv.client.Status;

/**
 * What the clients of a fault test saw, for {@link HistoryChecker}: every write api-service
 * acknowledged, and for each subscriber every snapshot, change and resync it was given, in order.
 * Recording is thread-safe; {@link #writes()} and {@link #subscribers()} are copies.
 */
final class History {

    /** A key's version and canonical JSON value; the value is null for a delete or an expiry. */
    record Versioned(long version, String value) {
    }

    /**
     * A write api-service acknowledged: a put of {@code value}, or a delete when it is null, or
     * {@link #ANY} for a write whose value its answer does not say (a new time to live).
     */
    record Write(String table, String key, long version, String value) {
        /** The value of a write that kept the key's value, whatever it was. */
        static final String ANY = "\u0000any";
    }

    sealed interface Event permits Snapshot, Applied, Resync {
    }

    /** The whole table, loaded: after subscribing, or after a resync. */
    record Snapshot(Map<String, Versioned> entries) implements Event {
    }

    /** One change the subscriber applied; {@code value} is null for a delete or an expiry. */
    record Applied(String key, long version, String value) implements Event {
    }

    /** The server said it could not resume, and a new snapshot follows. */
    record Resync(String reason) implements Event {
    }

    /**
     * One subscriber's whole history. {@code staleDropped} counts the changes its client dropped
     * because it already held that version or a later one: a change the server sent twice or out of
     * order, which the listener never sees. {@code conflated}: it asked for at most one change per key
     * per interval, so it may skip versions. {@code rawFindings}: what {@link RawFrames} found wrong in the
     * frames it was sent.
     */
    record Subscriber(String name, String table, List<Event> events, long staleDropped, List<String> statuses,
                      boolean conflated, List<String> rawFindings) {

        Subscriber(String name, String table, List<Event> events, long staleDropped, List<String> statuses) {
            this(name, table, events, staleDropped, statuses, false, List.of());
        }

        Subscriber withEvents(List<Event> changed) {
            return new Subscriber(name, table, changed, staleDropped, statuses, conflated, rawFindings);
        }
    }

    /** The listener of one subscription, recording what it is given. */
    final class Recorder implements Listener {
        private final String name;
        private final String table;
        private final boolean conflated;
        private final RawFrames raw = new RawFrames();
        private final List<Event> events = new ArrayList<>();
        private final List<String> statuses = new ArrayList<>();
        private volatile LongSupplier staleDropped = () -> 0;

        private Recorder(String name, String table, boolean conflated) {
            this.name = name;
            this.table = table;
            this.conflated = conflated;
        }

        @Override
        public void onFrame(String frame) {
            raw.frame(frame);
        }

        /** Where the client's count of stale changes it dropped comes from, read when the history is taken. */
        void staleDroppedFrom(LongSupplier counter) {
            this.staleDropped = counter;
        }

        @Override
        public synchronized void onSnapshot(SortedMap<String, Entry> entries) {
            TreeMap<String, Versioned> copy = new TreeMap<>();
            entries.forEach((key, entry) -> copy.put(key, new Versioned(entry.version(), Api.canonical(entry.value().toString()))));
            events.add(new Snapshot(Collections.unmodifiableMap(copy)));
        }

        @Override
        public synchronized void onChange(Change change) {
            events.add(new Applied(change.key(), change.version(),
                    change.value() == null ? null : Api.canonical(change.value().toString())));
        }

        @Override
        public synchronized void onResync(String reason) {
            events.add(new Resync(reason));
        }

        @Override
        public synchronized void onStatus(Status status) {
            statuses.add(Instant.now() + " " + status);
        }

        @Override
        public synchronized void onError(String error, String message) {
            statuses.add(Instant.now() + " error " + error + ": " + message);
        }

        private Subscriber taken() {
            // The count is read outside this lock: the client holds its own lock while it calls the
            // listener, so reading it inside would take the two locks in the opposite order.
            long dropped = staleDropped.getAsLong();
            synchronized (this) {
                return new Subscriber(name, table, List.copyOf(events), dropped, List.copyOf(statuses), conflated,
                        raw.findings());
            }
        }
    }

    private final List<Write> writes = new ArrayList<>();
    private final List<Recorder> recorders = new ArrayList<>();

    /** A listener for a new subscriber of {@code table}; {@code name} identifies it in the checker's findings. */
    synchronized Recorder subscriber(String name, String table) {
        return subscriber(name, table, false);
    }

    /** {@code conflated}: the subscription asks for at most one change per key per interval. */
    synchronized Recorder subscriber(String name, String table, boolean conflated) {
        Recorder recorder = new Recorder(name, table, conflated);
        recorders.add(recorder);
        return recorder;
    }

    /** A write api-service acknowledged; {@code json} null for a delete, {@link Write#ANY} when the answer has no value. */
    synchronized void write(String table, String key, long version, String json) {
        writes.add(new Write(table, key, version, json == null || json.equals(Write.ANY) ? json : Api.canonical(json)));
    }

    /** A put api-service acknowledged with {@code version}; the value as it was sent. */
    synchronized void put(String table, String key, long version, String json) {
        writes.add(new Write(table, key, version, Api.canonical(json)));
    }

    synchronized List<Write> writes() {
        return List.copyOf(writes);
    }

    synchronized List<Subscriber> subscribers() {
        return recorders.stream().map(Recorder::taken).toList();
    }
}
