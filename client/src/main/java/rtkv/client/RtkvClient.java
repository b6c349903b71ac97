package rtkv.client;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;

/**
 * An rtkv client: the HTTP API's reads and writes, and subscriptions that share one {@code /v1/stream}
 * connection per fanout node. Thread-safe; make one per application and close it at the end.
 *
 * <pre>{@code
 * try (RtkvClient rtkv = RtkvClient.builder().api("http://127.0.0.1:8080").fanout("ws://127.0.0.1:8081")
 *         .apiKey(key).build()) {
 *     Table demo = rtkv.table("demo");
 *     demo.put("a", Map.of("n", 1));
 *     Subscription live = demo.subscribe().prefix("a").open();
 * }
 * }</pre>
 */
public final class RtkvClient implements AutoCloseable {

    /** A node closes a connection it has not heard from for this long. */
    private static final Duration SERVER_SILENCE = Duration.ofSeconds(30);
    /** How often a node sends a heartbeat to a connection it has sent nothing else to. */
    private static final Duration NODE_HEARTBEAT = Duration.ofSeconds(10);

    private final String api;
    private final String fanout;
    private final Requests requests;
    private final Streams streams;
    private final ScheduledExecutorService timers;
    private final Set<Subscription> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private RtkvClient(Builder builder, HttpClient http) {
        this.api = builder.api;
        this.fanout = builder.fanout;
        this.requests = builder.api == null ? null : new Requests(http, builder.api, builder.apiKey, builder.timeout,
                builder.retries);
        this.timers = Timers.daemon("rtkv-client");
        this.streams = new Streams(new Streams.Settings(http, builder.apiKey, builder.timeout, builder.heartbeat,
                builder.deadAfter), timers);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Where the client connects, and how; {@link #build()} checks it all at once. */
    public static final class Builder {
        private String api;
        private String fanout;
        private String apiKey;
        private HttpClient http;
        private Duration timeout = Duration.ofSeconds(10);
        private int retries = 2;
        private Duration heartbeat = Duration.ofSeconds(10);
        private Duration deadAfter = Duration.ofSeconds(30);

        private Builder() {
        }

        /** api-service's base address, for example http://127.0.0.1:8080; needed for reads and writes. */
        public Builder api(String url) {
            this.api = url == null ? null : url.replaceAll("/+$", "");
            return this;
        }

        /**
         * An address that reaches any fanout node (a load balancer, or one node), for example ws://127.0.0.1:8081;
         * needed for subscriptions, which each follow their table to the node that serves it.
         */
        public Builder fanout(String url) {
            this.fanout = url;
            return this;
        }

        /** The API key, sent as Authorization: Bearer on every request and connection. */
        public Builder apiKey(String apiKey) {
            this.apiKey = apiKey;
            return this;
        }

        /** The JDK HTTP client to use; by default one of its own, on HTTP/1.1. */
        public Builder httpClient(HttpClient http) {
            this.http = http;
            return this;
        }

        /** How long a request may wait for its answer. Default 10 s. */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** How many times a request is retried when that is safe (see {@link Write#idempotencyKey}). Default 2. */
        public Builder retries(int retries) {
            this.retries = retries;
            return this;
        }

        /** How often each stream connection sends a heartbeat; the server closes a client silent for 30 s. Default 10 s. */
        public Builder heartbeat(Duration heartbeat) {
            this.heartbeat = heartbeat;
            return this;
        }

        /** A node silent this long (it sends heartbeats every 10 s) is taken for dead. Default 30 s. */
        public Builder deadAfter(Duration deadAfter) {
            this.deadAfter = deadAfter;
            return this;
        }

        /** @throws IllegalArgumentException listing every setting that is wrong */
        public RtkvClient build() {
            List<String> problems = new ArrayList<>();
            if (api == null && fanout == null) {
                problems.add("neither api nor fanout is set: the client could do nothing");
            }
            if (api != null && !isHttpAddress(api)) {
                problems.add("api is http://HOST:PORT or https://HOST:PORT, not " + api);
            }
            if (apiKey != null && !apiKey.matches("[!-~]+")) {
                problems.add("apiKey is printable ASCII without spaces, as rtkv's keys are");
            }
            if (fanout != null) {
                try {
                    NodeAddress.of(fanout);
                } catch (IllegalArgumentException e) {
                    problems.add("fanout: " + e.getMessage());
                }
            }
            positive(problems, "timeout", timeout);
            positive(problems, "heartbeat", heartbeat);
            positive(problems, "deadAfter", deadAfter);
            if (heartbeat != null && heartbeat.compareTo(SERVER_SILENCE) >= 0) {
                problems.add("heartbeat is under 30 s, for a node closes a connection silent that long; not " + heartbeat);
            }
            if (deadAfter != null && deadAfter.compareTo(NODE_HEARTBEAT) <= 0) {
                problems.add("deadAfter is longer than the node's heartbeat interval (10 s); not " + deadAfter);
            }
            if (retries < 0) {
                problems.add("retries is 0 or more, not " + retries);
            }
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException("the rtkv client's settings: " + String.join("; ", problems));
            }
            return new RtkvClient(this, http != null ? http : HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(timeout).build());
        }

        private static boolean isHttpAddress(String url) {
            if (!url.matches("https?://[^/?#\\s]+")) {
                return false;
            }
            try {
                return URI.create(url).getHost() != null;
            } catch (IllegalArgumentException e) {
                return false;
            }
        }

        private static void positive(List<String> problems, String name, Duration value) {
            if (value == null || value.isNegative() || value.isZero()) {
                problems.add(name + " is a positive duration, not " + value);
            }
        }
    }

    /** A table, to read, write and subscribe to. */
    public Table table(String name) {
        return new Table(this, requests, name);
    }

    /** @throws IllegalStateException once the client is closed */
    void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the rtkv client is closed");
        }
    }

    /**
     * The number of {@code /v1/stream} connections open or being opened now: one per node the subscriptions
     * need, and one that lingers for 2 s after its last subscription ended.
     */
    public int connections() {
        return streams.connections();
    }

    Subscription.Builder subscribe(String table) {
        checkOpen();
        if (fanout == null) {
            throw new IllegalStateException("subscriptions need the client's fanout address: RtkvClient.builder().fanout(...)");
        }
        return new Subscription.Builder(fanout, table, streams).onOpen(open::add).onClose(open::remove);
    }

    /** Closes every subscription and connection; idempotent. */
    @Override
    public void close() {
        closed = true;
        List.copyOf(open).forEach(Subscription::close);
        streams.close();
        timers.shutdownNow();
    }

    @Override
    public String toString() {
        return "RtkvClient[api=" + api + ", fanout=" + fanout + "]";
    }
}
