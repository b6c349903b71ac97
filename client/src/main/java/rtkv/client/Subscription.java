package rtkv.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A live copy of one rtkv table, or of one key or the keys under a prefix. It subscribes to a fanout node,
 * applies the snapshot and every change after it, sends heartbeats, notices a dead server, reconnects with
 * backoff and resumes from the last change it applied; the server replays exactly what was missed, or says
 * resync and sends the table afresh. It never applies a change older than what it holds.
 *
 * <pre>{@code
 * try (Subscription demo = Subscription.to("ws://127.0.0.1:8081", "demo").apiKey(key).open()) {
 *     demo.get("a").ifPresent(entry -> System.out.println(entry.value()));
 * }
 * }</pre>
 */
public final class Subscription implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper()
            .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final long MAX_BACKOFF_MILLIS = 10_000;
    /** Refusals a retry cannot fix: the subscription closes instead of reconnecting. */
    private static final Set<String> FATAL = Set.of("invalid_table", "invalid_request", "unauthorized", "forbidden");
    /** Moves followed at once in a row; then the usual backoff, lest two nodes that disagree (a rebalance) loop. */
    private static final int MAX_QUICK_MOVES = 5;

    private final String fanoutUrl;
    private final String table;
    private final String apiKey;
    private final Listener listener;
    private final HttpClient http;
    private final Duration heartbeat;
    private final Duration deadAfter;
    private final NodeAddress.Options options;
    private final ScheduledExecutorService timers;
    private final TableReplica replica = new TableReplica();
    private String token;
    private Status status = Status.CONNECTING;
    private boolean closed;
    private int attempt;
    // After a "moved" frame: where the next connection goes (null: back to fanoutUrl), once.
    private String movedTo;
    private boolean moving;
    private int moves;
    private long generation;
    private WebSocket socket;
    private ScheduledFuture<?> beating;
    private ScheduledFuture<?> watchdog;

    private Subscription(Builder builder) {
        this.fanoutUrl = NodeAddress.of(builder.fanoutUrl);
        this.table = builder.table;
        this.apiKey = builder.apiKey;
        this.listener = builder.listener;
        this.http = builder.http;
        this.heartbeat = builder.heartbeat;
        this.deadAfter = builder.deadAfter;
        this.options = new NodeAddress.Options(builder.conflate, builder.only, builder.prefix);
        this.token = builder.token;
        this.timers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "rtkv-subscription-" + table);
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * @param fanoutUrl an address that reaches any fanout node (a load balancer, or one node), for
     *                  example ws://127.0.0.1:8081; the node there sends the subscription on to the node
     *                  that serves the table, and the subscription follows
     */
    public static Builder to(String fanoutUrl, String table) {
        return new Builder(fanoutUrl, table);
    }

    /** How to subscribe; {@link #open()} starts. */
    public static final class Builder {
        private final String fanoutUrl;
        private final String table;
        private String apiKey;
        private Listener listener = new Listener() { };
        private HttpClient http;
        private Duration heartbeat = Duration.ofSeconds(10);
        private Duration deadAfter = Duration.ofSeconds(30);
        private Duration conflate = Duration.ZERO;
        private String only;
        private String prefix;
        private String token;

        private Builder(String fanoutUrl, String table) {
            this.fanoutUrl = fanoutUrl;
            this.table = table;
        }

        /** The API key to subscribe with (a key with subscribe on the table), sent as Authorization: Bearer. */
        public Builder apiKey(String apiKey) {
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

        /** Share one client among many subscriptions. */
        public Builder httpClient(HttpClient http) {
            this.http = http;
            return this;
        }

        /** How often to send a heartbeat; the server closes a client silent for 30 s. Default 10 s. */
        public Builder heartbeat(Duration heartbeat) {
            this.heartbeat = heartbeat;
            return this;
        }

        /** A server silent this long (it sends heartbeats every 10 s) is taken for dead. Default 30 s. */
        public Builder deadAfter(Duration deadAfter) {
            this.deadAfter = deadAfter;
            return this;
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
            this.only = NodeAddress.nonEmpty("only", key);
            return this;
        }

        /** Watch the keys that begin with {@code prefix}: the replica holds only those, and only their changes come. */
        public Builder prefix(String prefix) {
            this.prefix = NodeAddress.nonEmpty("prefix", prefix);
            return this;
        }

        public Subscription open() {
            Subscription subscription = unconnected();
            subscription.connect();
            return subscription;
        }

        /** The subscription before its first connection: for feeding it frames in tests. */
        Subscription unconnected() {
            if (http == null) {
                http = HttpClient.newHttpClient();
            }
            return new Subscription(this);
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

    /** Drops the connection as a network failure would; the subscription reconnects and resumes. */
    public void reconnect() {
        WebSocket current;
        long connection;
        synchronized (this) {
            current = socket;
            connection = generation;
        }
        if (current != null) {
            // An aborted socket reports nothing more, so the loss is handled here.
            current.abort();
            lost(connection);
        }
    }

    @Override
    public void close() {
        WebSocket current;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            current = socket;
            setStatus(Status.CLOSED);
        }
        timers.shutdownNow();
        if (current != null) {
            current.sendClose(WebSocket.NORMAL_CLOSURE, "bye").exceptionally(e -> null);
            current.abort();
        }
    }

    private void connect() {
        long connection;
        String resume;
        String node;
        synchronized (this) {
            if (closed) {
                return;
            }
            connection = ++generation;
            resume = token;
            replica.dropPartialSnapshot();
            node = movedTo != null ? movedTo : fanoutUrl;
            movedTo = null;
        }
        URI uri;
        try {
            uri = NodeAddress.subscribe(node, table, resume, options);
        } catch (IllegalArgumentException e) {
            // An address that is no URI: wait, then try again at fanoutUrl.
            lost(connection);
            return;
        }
        WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
        if (apiKey != null) {
            builder.header("Authorization", "Bearer " + apiKey);
        }
        builder.buildAsync(uri, new FrameReader(frame -> received(connection, frame), () -> lost(connection)))
                .whenComplete((ws, error) -> {
                    if (error != null) {
                        lost(connection);
                        return;
                    }
                    synchronized (this) {
                        if (connection != generation || closed) {
                            ws.abort();
                            return;
                        }
                        socket = ws;
                        beating = timers.scheduleAtFixedRate(() -> ws.sendText("{\"type\":\"heartbeat\"}", true),
                                heartbeat.toMillis(), heartbeat.toMillis(), TimeUnit.MILLISECONDS);
                        awake(connection);
                    }
                });
    }

    /** Called for every frame: the server is alive. */
    private synchronized void awake(long connection) {
        if (closed || connection != generation) {
            return;
        }
        if (watchdog != null) {
            watchdog.cancel(false);
        }
        watchdog = timers.schedule(this::reconnect, deadAfter.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The connection is gone; reported once however many ways it is noticed. */
    private void lost(long connection) {
        synchronized (this) {
            if (closed || connection != generation) {
                return;
            }
            generation++;
            socket = null;
            if (beating != null) {
                beating.cancel(false);
            }
            if (watchdog != null) {
                watchdog.cancel(false);
            }
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
            timers.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
        }
    }

    private void received(long connection, String frame) {
        awake(connection);
        synchronized (this) {
            if (connection == generation) {
                listener.onFrame(frame);
                handle(frame);
            }
        }
    }

    /** Applies one frame from the server; package-private so the protocol logic is testable alone. */
    synchronized void handle(String text) {
        JsonNode frame;
        try {
            frame = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            return;
        }
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
                listener.onError(frame.path("error").asText(), frame.path("message").asText());
                if (FATAL.contains(frame.path("error").asText())) {
                    closed = true;
                    setStatus(Status.CLOSED);
                    timers.shutdownNow();
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
