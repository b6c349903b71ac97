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

    private static final com.fasterxml.jackson.databind.ObjectMapper FRAMES = new com.fasterxml.jackson.databind.ObjectMapper();
    /** A snapshot frame, of a socket of its own or of a stream (its id first). */
    private static final java.util.regex.Pattern SNAPSHOT = java.util.regex.Pattern.compile("\\{(\"id\":\"[^\"]*\",)?\"type\":\"snapshot\"");

    /** A key's version and canonical JSON value; the value is null for a delete or an expiry. */
    record Versioned(long version, String value) {
    }

    /**
     * A write api-service acknowledged: a put of {@code value}, or a delete when it is null, or
     * {@link #ANY} for a write whose value its answer does not say (a new time to live). {@code expires}:
     * the key was left with a time to live, so it may be gone before the next write.
     */
    record Write(String table, String key, long version, String value, boolean expires) {
        /** The value of a write that kept the key's value, whatever it was. */
        static final String ANY = "\u0000any";

        Write(String table, String key, long version, String value) {
            this(table, key, version, value, false);
        }
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
     * frames it was sent, {@code rawFrames} how many it checked. {@code closed}: it stopped listening before
     * the end, so its view is checked as far as it got, not against MySQL's final rows.
     */
    record Subscriber(String name, String table, List<Event> events, long staleDropped, List<String> statuses,
                      boolean conflated, List<String> rawFindings, long rawFrames, boolean closed, Scope scope) {

        Subscriber(String name, String table, List<Event> events, long staleDropped, List<String> statuses) {
            this(name, table, events, staleDropped, statuses, false, List.of(), 0, false, Scope.ALL);
        }

        Subscriber(String name, String table, List<Event> events, long staleDropped, List<String> statuses,
                   boolean conflated, List<String> rawFindings) {
            this(name, table, events, staleDropped, statuses, conflated, rawFindings, 0, false, Scope.ALL);
        }

        Subscriber(String name, String table, List<Event> events, long staleDropped, List<String> statuses,
                   boolean conflated, List<String> rawFindings, long rawFrames, boolean closed) {
            this(name, table, events, staleDropped, statuses, conflated, rawFindings, rawFrames, closed, Scope.ALL);
        }

        Subscriber withEvents(List<Event> changed) {
            return new Subscriber(name, table, changed, staleDropped, statuses, conflated, rawFindings, rawFrames, closed,
                    scope);
        }
    }

    /** The keys a subscription watches: all, one ({@code only}), or those beginning with {@code prefix}. */
    record Scope(String only, String prefix) {
        static final Scope ALL = new Scope(null, null);

        static Scope only(String key) {
            return new Scope(key, null);
        }

        static Scope prefix(String prefix) {
            return new Scope(null, prefix);
        }

        boolean matches(String key) {
            return only != null ? only.equals(key) : prefix == null || key.startsWith(prefix);
        }
    }

    /** A point of a subscriber's history it can resume from: the events up to there, and the token there. */
    record Fork(List<Event> events, List<String> tokens, String token) {
    }

    /** The listener of one subscription, recording what it is given. */
    final class Recorder implements Listener {
        private final String name;
        private final String table;
        private final boolean conflated;
        private final Scope scope;
        private final RawFrames raw = new RawFrames();
        private final List<Event> events = new ArrayList<>();
        // The resume token after each event: a change's own, a snapshot's, none after a resync.
        private final List<String> tokens = new ArrayList<>();
        private final List<String> statuses = new ArrayList<>();
        private String snapshotToken;
        private boolean closed;
        private volatile LongSupplier staleDropped = () -> 0;

        private Recorder(String name, String table, boolean conflated, Scope scope) {
            this.name = name;
            this.table = table;
            this.conflated = conflated;
            this.scope = scope;
        }

        @Override
        public void onFrame(String frame) {
            raw.frame(frame);
            if (SNAPSHOT.matcher(frame).lookingAt() && frame.contains("\"last\":true")) {
                String token;
                try {
                    token = FRAMES.readTree(frame).path("token").asText(null);
                } catch (java.io.IOException e) {
                    token = null;
                }
                synchronized (this) {
                    snapshotToken = token;
                }
            }
        }

        /** Its subscription was closed: from here on it hears nothing, and its view stays where it was. */
        synchronized void closed() {
            closed = true;
        }

        /** Starts from {@code fork}: what the subscriber it was taken from had seen up to its token. */
        private synchronized void startFrom(Fork fork) {
            events.addAll(fork.events());
            tokens.addAll(fork.tokens());
        }

        /** A random point of this history after its last snapshot, to resume another subscriber from; empty if none. */
        synchronized java.util.Optional<Fork> fork(java.util.Random random) {
            List<Integer> points = new ArrayList<>();
            for (int i = 0; i < events.size(); i++) {
                if (events.get(i) instanceof Snapshot) {
                    points.clear();
                }
                if (tokens.get(i) != null) {
                    points.add(i);
                }
            }
            if (points.isEmpty()) {
                return java.util.Optional.empty();
            }
            int at = points.get(random.nextInt(points.size()));
            return java.util.Optional.of(new Fork(List.copyOf(events.subList(0, at + 1)),
                    new ArrayList<>(tokens.subList(0, at + 1)), tokens.get(at)));
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
            tokens.add(snapshotToken);
        }

        @Override
        public synchronized void onChange(Change change) {
            events.add(new Applied(change.key(), change.version(),
                    change.value() == null ? null : Api.canonical(change.value().toString())));
            tokens.add(change.token());
        }

        @Override
        public synchronized void onResync(String reason) {
            events.add(new Resync(reason));
            tokens.add(null);
        }

        @Override
        public synchronized void onStatus(Status status) {
            if (status == Status.RECONNECTING) {
                raw.connectionLost();
            }
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
                        raw.findings(), raw.frames(), closed, scope);
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
        return subscriber(name, table, conflated, Scope.ALL);
    }

    /** {@code scope}: the subscription watches only these keys of the table. */
    synchronized Recorder subscriber(String name, String table, boolean conflated, Scope scope) {
        Recorder recorder = new Recorder(name, table, conflated, scope);
        recorders.add(recorder);
        return recorder;
    }

    /** A subscriber resumed from {@code fork}, taken from another's history: its history starts as that one's did. */
    synchronized Recorder forked(String name, String table, boolean conflated, Fork fork) {
        Recorder recorder = subscriber(name, table, conflated);
        recorder.startFrom(fork);
        return recorder;
    }

    /** A write api-service acknowledged; {@code json} null for a delete, {@link Write#ANY} when the answer has no value. */
    synchronized void write(String table, String key, long version, String json) {
        write(table, key, version, json, false);
    }

    /** {@code expires}: the write left the key with a time to live. */
    synchronized void write(String table, String key, long version, String json, boolean expires) {
        writes.add(new Write(table, key, version, json == null || json.equals(Write.ANY) ? json : Api.canonical(json), expires));
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
