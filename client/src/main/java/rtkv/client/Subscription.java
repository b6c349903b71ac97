package rtkv.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A live copy of one rtkv table, or of one key or the keys under a prefix. It subscribes at a fanout node,
 * applies the snapshot and every change after it, notices a dead server, reconnects with backoff and
 * resumes from the last change it applied; the server replays exactly what was missed, or says resync and
 * sends the table afresh. It never applies a change older than what it holds. It follows {@code moved} to
 * the node that serves the table.
 *
 * <p>From {@link RtkvClient#table(String)}{@code .subscribe()}, it shares one {@code /v1/stream} connection
 * per node with the client's other subscriptions. From {@link #to(String, String)}, it has a WebSocket of
 * its own on the one-table address: {@code Subscription.to("ws://127.0.0.1:8081", "demo").apiKey(key).open()}.
 */
public final class Subscription implements AutoCloseable {

    private static final long MAX_BACKOFF_MILLIS = 10_000;
    /** Refusals a retry cannot fix: the subscription closes instead of reconnecting. */
    static final Set<String> FATAL = Set.of("invalid_table", "invalid_request", "unauthorized", "forbidden");
    /** Moves followed at once in a row; then the usual backoff, lest two nodes that disagree (a rebalance) loop. */
    private static final int MAX_QUICK_MOVES = 5;

    private final String fanoutUrl;
    private final String table;
    private final Listener listener;
    private final NodeAddress.Options options;
    private final Carrier carrier;
    private final Consumer<Subscription> onClose;
    private final TableReplica replica = new TableReplica();
    private String token;
    private Status status = Status.CONNECTING;
    private boolean closed;
    private int attempt;
    // After a "moved" frame: where the next attempt goes (null: back to fanoutUrl), once; and where this one went.
    private String movedTo;
    private String node;
    private boolean moving;
    private int moves;
    private long generation;
    private Carrier.Attempt current;

    private Subscription(Builder builder, Carrier carrier) {
        this.fanoutUrl = NodeAddress.of(builder.fanoutUrl);
        this.table = builder.table;
        this.listener = new GuardedListener(builder.listener);
        this.options = new NodeAddress.Options(builder.conflate, builder.only, builder.prefix);
        this.token = builder.token;
        this.carrier = carrier;
        this.onClose = builder.onClose;
    }

    /**
     * A subscription on a WebSocket of its own, on the one-table address. {@link RtkvClient} makes ones that
     * share a connection per node instead.
     *
     * @param fanoutUrl an address that reaches any fanout node (a load balancer, or one node), for
     *                  example ws://127.0.0.1:8081; the node there sends the subscription on to the node
     *                  that serves the table, and the subscription follows
     */
    public static Builder to(String fanoutUrl, String table) {
        return new Builder(fanoutUrl, table, null);
    }

    /** How to subscribe; {@link #open()} starts. */
    public static final class Builder {
        private final String fanoutUrl;
        private final String table;
        private final Streams streams;
        private Consumer<Subscription> onOpen = s -> { };
        private Consumer<Subscription> onClose = s -> { };
        private String apiKey;
        private Listener listener = new Listener() { };
        private HttpClient http;
        private Duration heartbeat = Duration.ofSeconds(10);
        private Duration deadAfter = Duration.ofSeconds(30);
        private Duration conflate = Duration.ZERO;
        private String only;
        private String prefix;
        private String token;

        Builder(String fanoutUrl, String table, Streams streams) {
            this.fanoutUrl = fanoutUrl;
            this.table = table;
            this.streams = streams;
        }

        Builder onOpen(Consumer<Subscription> onOpen) {
            this.onOpen = onOpen;
            return this;
        }

        Builder onClose(Consumer<Subscription> onClose) {
            this.onClose = onClose;
            return this;
        }

        /**
         * The API key to subscribe with (a key with subscribe on the table), sent as Authorization: Bearer.
         * A client's subscriptions use the client's key.
         */
        public Builder apiKey(String apiKey) {
            ownSocketOnly("apiKey");
            this.apiKey = apiKey;
            return this;
        }

        public Builder listener(Listener listener) {
            this.listener = listener;
            return this;
        }

        /** Start from a token saved earlier: only what changed since is sent. */
        public Builder resumeFrom(String token) {
            this.token = token;
            return this;
        }

        /** Share one HTTP client among many subscriptions of their own sockets. */
        public Builder httpClient(HttpClient http) {
            ownSocketOnly("httpClient");
            this.http = http;
            return this;
        }

        /** How often to send a heartbeat; the server closes a client silent for 30 s. Default 10 s. */
        public Builder heartbeat(Duration heartbeat) {
            ownSocketOnly("heartbeat");
            this.heartbeat = heartbeat;
            return this;
        }

        /** A server silent this long (it sends heartbeats every 10 s) is taken for dead. Default 30 s. */
        public Builder deadAfter(Duration deadAfter) {
            ownSocketOnly("deadAfter");
            this.deadAfter = deadAfter;
            return this;
        }

        private void ownSocketOnly(String setting) {
            if (streams != null) {
                throw new IllegalStateException(setting + " is the client's: set it on RtkvClient.builder()");
            }
        }

        /**
         * At most one change per key per {@code interval} (50 ms to 60 s), carrying its latest value: for a
         * view of keys that change many times a second. Zero, the default, is every change.
         */
        public Builder conflate(Duration interval) {
            this.conflate = NodeAddress.Options.conflate(interval);
            return this;
        }

        /** Watch one key of the table: the replica holds only it, and only its changes are sent. */
        public Builder only(String key) {
            this.only = NodeAddress.keyOrPrefix("only", key);
            return this;
        }

        /** Watch the keys that begin with {@code prefix}: the replica holds only those, and only their changes come. */
        public Builder prefix(String prefix) {
            this.prefix = NodeAddress.keyOrPrefix("prefix", prefix);
            return this;
        }

        public Subscription open() {
            Subscription subscription = unconnected();
            onOpen.accept(subscription);
            subscription.connect();
            return subscription;
        }

        /** The subscription before its first connection: for feeding it frames in tests. */
        Subscription unconnected() {
            NodeAddress.of(fanoutUrl);
            Carrier carrier = streams;
            if (carrier == null) {
                carrier = new TableSocket(http != null ? http : HttpClient.newHttpClient(), apiKey, heartbeat, deadAfter,
                        table);
            }
            return new Subscription(this, carrier);
        }
    }

    /** The live entry of a key; an expired key is gone even before its expire arrives. */
    public synchronized Optional<Entry> get(String key) {
        return replica.get(key, System.currentTimeMillis());
    }

    /** Every live key, in key order. */
    public synchronized SortedMap<String, Entry> entries() {
        return replica.live(System.currentTimeMillis());
    }

    public synchronized Status status() {
        return status;
    }

    /** The token of the last change applied; {@link Builder#resumeFrom} continues from it. */
    public synchronized String token() {
        return token;
    }

    /** Changes the server sent that were not newer than what the client held: 0 when the stream is exact. */
    public synchronized long staleDropped() {
        return replica.staleDropped();
    }

    /**
     * Drops the connection as a network failure would; the subscription reconnects and resumes. A client's
     * subscription drops the connection it shares, so the others on it reconnect too.
     */
    public void reconnect() {
        Carrier.Attempt attempt;
        synchronized (this) {
            attempt = current;
        }
        if (attempt != null) {
            attempt.drop();
        }
    }

    @Override
    public void close() {
        Carrier.Attempt attempt;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            attempt = current;
            current = null;
            setStatus(Status.CLOSED);
        }
        if (attempt != null) {
            attempt.close();
        }
        carrier.closeOwned();
        onClose.accept(this);
    }

    private void connect() {
        long connection;
        Carrier.Request request;
        synchronized (this) {
            if (closed) {
                return;
            }
            connection = ++generation;
            replica.dropPartialSnapshot();
            node = movedTo != null ? movedTo : fanoutUrl;
            request = new Carrier.Request(node, table, token, options);
            movedTo = null;
        }
        Carrier.Attempt attempt;
        try {
            attempt = carrier.open(request, new Carrier.Sink() {
                @Override
                public void frame(String text, JsonNode frame) {
                    received(connection, text, frame);
                }

                @Override
                public void ended() {
                    lost(connection);
                }
            });
        } catch (RuntimeException e) {
            if (carrier.isClosed()) {
                close(); // its client closed
            } else {
                // A moved frame named an address that is no URI, or the connection could not even start:
                // wait, then try again at fanoutUrl.
                lost(connection);
            }
            return;
        }
        synchronized (this) {
            if (connection == generation && !closed) {
                current = attempt;
                return;
            }
        }
        attempt.close(); // closed, or ended already, while it was opening
    }

    /** The attempt is over; reported once however many ways it is noticed. */
    private void lost(long connection) {
        synchronized (this) {
            if (closed || connection != generation) {
                return;
            }
            generation++;
            current = null;
            setStatus(Status.RECONNECTING);
            long delay;
            if (moving && moves < MAX_QUICK_MOVES) {
                delay = 0;
                moves++;
            } else {
                delay = (long) (Math.min(MAX_BACKOFF_MILLIS, 250L << Math.min(attempt, 10))
                        * (0.5 + ThreadLocalRandom.current().nextDouble() / 2));
                attempt++;
            }
            moving = false;
            try {
                carrier.timers().schedule(this::connect, delay, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                closed = true; // its client closed
                setStatus(Status.CLOSED);
            }
        }
    }

    private void received(long connection, String text, JsonNode frame) {
        synchronized (this) {
            if (connection == generation && !closed) {
                listener.onFrame(text);
                handle(frame);
            }
        }
    }

    /** Applies one frame from the server; package-private so the protocol logic is testable alone. */
    synchronized void handle(JsonNode frame) {
        switch (frame.path("type").asText()) {
            case "snapshot" -> {
                SortedMap<String, Entry> table = replica.snapshotPage(frame);
                if (table != null) {
                    token = frame.get("token").asText();
                    attempt = 0;
                    moves = 0;
                    setStatus(Status.LIVE);
                    listener.onSnapshot(table);
                }
            }
            case "resumed" -> {
                attempt = 0;
                moves = 0;
                setStatus(Status.LIVE);
            }
            case "moved" -> {
                // Another node serves the table: go there (or, with no node named, back to fanoutUrl) and resume.
                String node = frame.path("node").asText("");
                movedTo = NodeAddress.orNull(node);
                moving = true;
            }
            case "change" -> {
                Change change = replica.apply(frame, System.currentTimeMillis());
                if (change != null) {
                    token = change.token();
                    listener.onChange(change);
                }
            }
            case "presence" -> listener.onPresence(frame.path("subscribers").asInt());
            case "resync" -> {
                token = null;
                replica.dropPartialSnapshot();
                setStatus(Status.RESYNCING);
                listener.onResync(frame.path("reason").asText());
            }
            case "error" -> {
                if (frame.path("error").asText().equals("too_many_subscriptions")) {
                    movedTo = node; // the client's affair, not the app's: at once, on another connection there
                    moving = true;
                    return;
                }
                listener.onError(frame.path("error").asText(), frame.path("message").asText());
                if (FATAL.contains(frame.path("error").asText())) {
                    close();
                }
            }
            default -> {
                // heartbeats, and frames a newer server may add
            }
        }
    }

    private void setStatus(Status next) {
        if (next != status) {
            status = next;
            listener.onStatus(next);
        }
    }
}
