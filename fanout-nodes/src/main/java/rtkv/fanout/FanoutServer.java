package rtkv.fanout;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.websocket.WsConfig;
import io.javalin.websocket.WsContext;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.api.StatusCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import rtkv.auth.ApiKeys;
import rtkv.auth.Authenticator;
import rtkv.auth.KeyRecord;
import rtkv.auth.Permission;
import rtkv.auth.Principal;
import rtkv.auth.RateLimiter;
import rtkv.edge.Connectors;
import rtkv.edge.JsonErrorHandler;
import rtkv.metrics.ServiceMetrics;
import rtkv.schema.ClasspathText;
import rtkv.schema.JsonText;
import rtkv.schema.Names;

/**
 * A fanout node: WebSocket subscriptions on {@code /v1/tables/{table}/subscribe[?resume=TOKEN][&conflate=MS]}, the
 * JavaScript client at {@code /v1/client.js}, health at {@code /healthz} and {@code /readyz}.
 * Lifecycle: {@link #start()}, {@link #isReady()}, {@link #close()}.
 */
final class FanoutServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FanoutServer.class);
    private static final String SUBSCRIBER = "rtkv.subscriber";
    private static final String CLIENT_JS = ClasspathText.read("/rtkv/fanout/client.js");
    private static final long REFUSAL_CLOSE_DELAY_MILLIS = 200;
    private static final Encoded HEARTBEAT = Encoded.of(Frames.HEARTBEAT);

    private final FanoutConfig config;
    private final Clock clock;
    private final ChangeFeed feed;
    private final ChangeFeed systemFeed;
    private final Snapshots snapshots;
    private final Tables tables;
    private final Authenticator authenticator;
    private final ServiceMetrics serviceMetrics = new ServiceMetrics("fanout-nodes");
    private final FanoutMetrics metrics;
    private final Set<Subscriber> subscribers = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService heartbeats =
            Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "fanout-heartbeats"));
    /** Apart from the heartbeats: a key may have to be read from a shard that is slow to answer. */
    private final ScheduledExecutorService keyChecks =
            Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "fanout-key-checks"));
    private final RateLimiter failures;
    private final Javalin app;
    private volatile CatchUp catchUp;
    private volatile Directory directory;
    private volatile String advertisedUrl;
    private boolean closed;
    /** Rounds of heartbeats so far; the heartbeat thread's own. */
    private long beats;

    FanoutServer(FanoutConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.feed = new ChangeFeed(config, ChangeFeed.Scope.GROUP, Set.copyOf(Tables.PINNED));
        this.systemFeed = new ChangeFeed(config, ChangeFeed.Scope.SYSTEM, Set.copyOf(Tables.PINNED));
        this.snapshots = new Snapshots(config);
        this.tables = new Tables(config, snapshots, feed, systemFeed, clock);
        this.metrics = new FanoutMetrics(serviceMetrics.registry(), clock, subscribers, tables::subscriberCounts);
        this.authenticator = new Authenticator(config.adminKey(), tables::key, clock);
        this.failures = new RateLimiter(clock);
        this.app = Javalin.create(c -> {
            c.startup.showJavalinBanner = false;
            c.jetty.addConnector((server, http) -> Connectors.create(server, http, config.host(), config.port(), config.edge()));
            c.jetty.modifyWebSocketServletFactory(factory -> {
                // A backstop: the heartbeat check closes silent clients first.
                factory.setIdleTimeout(Duration.ofSeconds(2L * config.clientTimeoutSeconds()));
                factory.setMaxTextMessageSize(FanoutConfig.MAX_CLIENT_FRAME_BYTES);
                factory.setMaxBinaryMessageSize(FanoutConfig.MAX_CLIENT_FRAME_BYTES);
                // Clients send only heartbeats of a few bytes, and Jetty sizes each incoming message's
                // buffer by this (4 KiB by default): 10,000 subscribers' heartbeats made 4 MB/s of garbage.
                factory.setInputBufferSize(512);
            });
            c.routes.ws("/v1/tables/{table}/subscribe", this::subscriptions);
            c.routes.get("/v1/client.js", ctx -> ctx.header("Access-Control-Allow-Origin", "*")
                    .header("Cache-Control", "no-cache").contentType("text/javascript; charset=utf-8").result(CLIENT_JS));
            c.routes.get("/v1/tables/{table}/node", this::node);
            c.routes.get("/healthz", ctx -> status(ctx, true));
            c.routes.get("/readyz", ctx -> status(ctx, isReady() && !feed.ownedPartitions().isEmpty()));
            c.routes.get("/metrics", ctx -> ctx.contentType(ServiceMetrics.CONTENT_TYPE).result(metrics.scrape(serviceMetrics)));
            c.routes.exception(HttpResponseException.class, (e, ctx) -> ctx.status(e.getStatus())
                    .contentType("application/json")
                    .result(Frames.error(JsonErrorHandler.codeOf(e.getStatus()), e.getMessage())));
        });
    }

    private void subscriptions(WsConfig ws) {
        ws.onConnect(this::connect);
        ws.onMessage(ctx -> {
            Subscriber subscriber = ctx.attribute(SUBSCRIBER);
            if (subscriber != null) {
                subscriber.heard();
                if (!isHeartbeat(ctx.message())) {
                    subscriber.send(Frames.error("invalid_frame",
                            "a client sends only {\"type\":\"heartbeat\"}, at least every " + config.heartbeatSeconds() + " s"));
                }
            }
        });
        ws.onBinaryMessage(ctx -> {
            Subscriber subscriber = ctx.attribute(SUBSCRIBER);
            if (subscriber != null) {
                subscriber.heard();
                subscriber.send(Frames.error("invalid_frame", "frames are JSON text, not binary"));
            }
        });
        ws.onClose(this::leave);
        ws.onError(ctx -> {
            // A broken connection, or a client breaking the protocol (a frame too large, say), is the client's affair.
            if (ctx.error() != null && !(ctx.error() instanceof java.io.IOException)
                    && !(ctx.error() instanceof org.eclipse.jetty.websocket.api.exceptions.WebSocketException)) {
                LOG.atError().addKeyValue("table", ctx.pathParam("table")).setCause(ctx.error())
                        .log("a subscription to {} failed", ctx.pathParam("table"));
            }
            leave(ctx);
        });
    }

    private void connect(WsContext ctx) {
        if (!isReady()) {
            // A subscription accepted now could miss changes committed after its first frame.
            refuse(ctx, StatusCode.TRY_AGAIN_LATER, "unavailable", "this node is not reading the change stream yet; retry shortly");
            return;
        }
        String address = addressOf(ctx);
        long blockedMillis = failures.waitFor(address, config.edge().authFailuresPerAddress());
        if (blockedMillis > 0) {
            refuse(ctx, StatusCode.TRY_AGAIN_LATER, "too_many_requests", "too many refused API keys from " + address
                    + "; retry after " + blockedMillis + " ms");
            return;
        }
        String presented = ApiKeys.fromAuthorization(ctx.header("Authorization"));
        if (presented == null) {
            presented = ctx.queryParam("key");
        }
        Authenticator.Result auth;
        try {
            auth = authenticator.authenticate(presented);
        } catch (RuntimeException e) {
            LOG.warn("cannot check an API key: {}", e.getMessage());
            refuse(ctx, StatusCode.TRY_AGAIN_LATER, "unavailable", "API keys cannot be checked right now; retry shortly");
            return;
        }
        if (!auth.ok()) {
            failures.take(address, config.edge().authFailuresPerAddress());
            refuse(ctx, Subscriber.UNAUTHORIZED, "unauthorized", auth.refusal()
                    + (presented == null ? ", or ?key=KEY from a browser" : ""));
            return;
        }
        String table = ctx.pathParam("table");
        Optional<String> problem = Names.tableProblem(table, config.maxTableName());
        if (problem.isPresent()) {
            refuse(ctx, StatusCode.POLICY_VIOLATION, "invalid_table", problem.get());
            return;
        }
        Principal principal = auth.principal();
        if (!principal.may(Permission.SUBSCRIBE, table)) {
            refuse(ctx, Subscriber.FORBIDDEN, "forbidden", table.equals(KeyRecord.TABLE)
                    ? "table " + KeyRecord.TABLE + " holds the API keys and cannot be subscribed to"
                    : "this API key may not subscribe to table " + table);
            return;
        }
        String conflate = ctx.queryParam("conflate");
        int conflateMillis = conflate == null ? 0 : conflateMillis(conflate);
        if (conflateMillis < 0) {
            refuse(ctx, StatusCode.POLICY_VIOLATION, "invalid_request", "conflate is a number of milliseconds, 0 (every change)"
                    + " or " + FanoutConfig.MIN_CONFLATE_MILLIS + " to " + FanoutConfig.MAX_CONFLATE_MILLIS + ", not " + conflate);
            return;
        }
        if (!tables.serves(table)) {
            elsewhere(ctx, table);
            return;
        }
        Subscriber subscriber = new Subscriber(ctx.session, table, principal.admin() ? null : principal.id(),
                config.maxPendingBytes(), conflateMillis, clock, metrics);
        ctx.attribute(SUBSCRIBER, subscriber);
        subscribers.add(subscriber);
        String resume = ctx.queryParam("resume");
        for (int attempt = 0; attempt < 3; attempt++) {
            TableState state = tables.acquire(table);
            if (state == null) {
                // Its partition left this node a moment ago.
                subscriber.gone();
                subscribers.remove(subscriber);
                elsewhere(ctx, table);
                return;
            }
            int cap = tables.capOf(table);
            subscriber.onClose(() -> tables.release(state, subscriber));
            TableState.Admission admission = resume == null ? state.join(subscriber, cap) : state.admit(subscriber, cap);
            switch (admission) {
                case JOINED -> {
                    if (resume != null) {
                        catchUp.resume(subscriber, state, resume);
                    }
                    return;
                }
                case FULL -> {
                    subscriber.onClose(() -> { });
                    subscriber.gone();
                    refuse(ctx, Subscriber.TOO_MANY_SUBSCRIBERS, "too_many_subscribers", "table " + table
                            + " has its maximum of " + cap + " subscribers on this node; an administrator can raise it"
                            + " with PUT /v1/tables/" + Tables.SETTINGS + "/keys/" + table + " {\"maxSubscribers\": N}");
                    return;
                }
                case GONE -> subscriber.onClose(() -> { });
            }
        }
        subscriber.gone();
        refuse(ctx, StatusCode.SERVER_ERROR, "unavailable", "the table could not be opened; retry shortly");
    }

    /** The interval asked for, or -1 when it is not one. */
    private static int conflateMillis(String text) {
        if (!text.matches("\\d{1,6}")) {
            return -1;
        }
        int millis = Integer.parseInt(text);
        return millis == 0 || (millis >= FanoutConfig.MIN_CONFLATE_MILLIS && millis <= FanoutConfig.MAX_CONFLATE_MILLIS)
                ? millis : -1;
    }

    private static String addressOf(WsContext ctx) {
        return ctx.session.getRemoteSocketAddress() instanceof InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress().getHostAddress() : String.valueOf(ctx.session.getRemoteSocketAddress());
    }

    /**
     * A refusal before the subscription exists: one error frame, then the close. The close waits a
     * moment: Node's WebSocket (undici) drops a frame that arrives together with the end of the
     * connection right after the upgrade, and reports only 1006, so the client would never learn why.
     */
    private void refuse(WsContext ctx, int code, String error, String message) {
        sendAndClose(ctx, Frames.error(error, message), code, message);
    }

    private void sendAndClose(WsContext ctx, String frame, int code, String reason) {
        ctx.send(frame);
        try {
            heartbeats.schedule(() -> ctx.closeSession(code, Subscriber.closeReason(reason)), REFUSAL_CLOSE_DELAY_MILLIS,
                    TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            ctx.closeSession(code, Subscriber.closeReason(reason)); // the node is stopping
        }
    }

    /** Another node owns the table's partition: the subscriber is sent there, or told to retry while nobody does. */
    private void elsewhere(WsContext ctx, String table) {
        int partition = tables.partitionOf(table);
        Optional<String> owner = ownerOf(partition);
        if (owner.isPresent()) {
            String message = "table " + table + " is served by " + owner.get();
            sendAndClose(ctx, Frames.moved(owner.get(), message), Subscriber.MOVED, message);
        } else {
            refuse(ctx, StatusCode.TRY_AGAIN_LATER, "unavailable", unowned(table, partition));
        }
    }

    private static String unowned(String table, int partition) {
        return "no fanout node serves partition " + partition + " of table " + table
                + " right now (the nodes are sharing out the partitions); retry shortly";
    }

    /** Another node that owns the partition, as the group last said; never this node. */
    private Optional<String> ownerOf(int partition) {
        Directory d = directory;
        return d == null ? Optional.empty() : d.ownerOf(partition).filter(url -> !url.equals(advertisedUrl));
    }

    /** {@code GET /v1/tables/{table}/node}: the base URL to subscribe to the table at. */
    private void node(Context ctx) {
        String table = ctx.pathParam("table");
        Optional<String> problem = Names.tableProblem(table, config.maxTableName());
        if (problem.isPresent()) {
            ctx.status(400).contentType("application/json").result(Frames.error("invalid_table", problem.get()));
            return;
        }
        if (!isReady()) {
            ctx.status(503).contentType("application/json").result(Frames.error("unavailable",
                    "this node is not reading the change stream yet; retry shortly"));
            return;
        }
        int partition = tables.partitionOf(table);
        Optional<String> node = tables.serves(table) ? Optional.of(advertisedUrl) : ownerOf(partition);
        if (node.isEmpty()) {
            ctx.status(503).contentType("application/json").result(Frames.error("unavailable", unowned(table, partition)));
            return;
        }
        ctx.contentType("application/json").result(JsonText.object(g -> {
            g.writeStringField("table", table);
            g.writeNumberField("partition", partition);
            g.writeStringField("node", node.get());
        }));
    }

    private void leave(WsContext ctx) {
        Subscriber subscriber = ctx.attribute(SUBSCRIBER);
        if (subscriber != null) {
            subscriber.gone();
            subscribers.remove(subscriber);
        }
    }

    private static boolean isHeartbeat(String message) {
        if (message.equals(Frames.HEARTBEAT)) {
            return true; // what the clients send, every 10 s each: no parsing
        }
        try {
            return "\"heartbeat\"".equals(JsonText.parseObject(message).get("type"));
        } catch (JsonText.InvalidJsonException e) {
            return false;
        }
    }

    /**
     * Every second, for one of heartbeatSeconds groups of the subscribers: a heartbeat to each, and a
     * close for those silent too long. Each subscriber hears one every heartbeatSeconds, and ten thousand
     * of them are not all written in the same instant, which would stall the changes behind them.
     */
    private void beat() {
        try {
            heartbeatAndCloseSilent();
        } catch (RuntimeException e) {
            // A failed round must not end the schedule.
            LOG.error("sending heartbeats failed", e);
        }
    }

    private void heartbeatAndCloseSilent() {
        long silence = TimeUnit.SECONDS.toMillis(config.clientTimeoutSeconds());
        int groups = config.heartbeatSeconds();
        int group = (int) (beats++ % groups);
        for (Subscriber subscriber : subscribers) {
            if (subscriber.isClosed()) {
                subscribers.remove(subscriber);
            } else if (Math.floorMod(System.identityHashCode(subscriber), groups) != group) {
                continue;
            } else if (subscriber.silentFor(silence)) {
                subscriber.refuse(Subscriber.NO_HEARTBEAT, "no_heartbeat", "nothing from the client for "
                        + config.clientTimeoutSeconds() + " s; send {\"type\":\"heartbeat\"} every "
                        + config.heartbeatSeconds() + " s");
            } else if (subscriber.started()) {
                subscriber.heartbeat(HEARTBEAT);
            }
        }
    }

    /**
     * Every second: each subscriber's key is looked at again (once per key), and the subscriptions of a
     * key that was revoked or has expired since are closed.
     */
    private void recheckKeys() {
        try {
            closeRevoked();
        } catch (RuntimeException e) {
            // A failed round must not end the schedule; the next one looks again.
            LOG.error("checking the keys of open subscriptions failed", e);
        }
    }

    private void closeRevoked() {
        // Empty: the key could not be looked at this round; what was accepted stays, it is looked at again next time.
        Map<String, Optional<Authenticator.Result>> checked = new HashMap<>();
        for (Subscriber subscriber : subscribers) {
            String id = subscriber.keyId();
            if (id == null || subscriber.isClosed()) {
                continue;
            }
            Optional<Authenticator.Result> result = checked.computeIfAbsent(id, this::recheck);
            if (result.isPresent() && !result.get().ok()) {
                subscriber.refuse(Subscriber.UNAUTHORIZED, "unauthorized", result.get().refusal());
            }
        }
    }

    private Optional<Authenticator.Result> recheck(String id) {
        try {
            return Optional.of(authenticator.recheck(id));
        } catch (RuntimeException e) {
            LOG.warn("cannot look at API key {} again: {}", id, e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * {@code partitions}: those this node reads for its subscribers, its share of the group's. A node
     * with none is not ready: it has nobody to serve (more nodes than partitions, or while it joins).
     */
    private void status(Context ctx, boolean ok) {
        ctx.status(ok ? 200 : 503).contentType("application/json").result(JsonText.object(g -> {
            g.writeStringField("status", ok ? "ok" : !isReady() ? "not reading the change stream yet"
                    : "no partitions of the change stream are this node's");
            g.writeArrayFieldStart("partitions");
            for (int partition : feed.ownedPartitions()) {
                g.writeNumber(partition);
            }
            g.writeEndArray();
        }));
    }

    /** Binds the port, then reads the topic and the settings table; subscriptions wait for both. */
    FanoutServer start() {
        app.start();
        advertisedUrl = config.advertisedUrl(app.port());
        directory = new Directory(config, 1_000);
        feed.start(tables, tables::revoked, advertisedUrl, metrics);
        systemFeed.start(tables, partitions -> { }, advertisedUrl, metrics);
        CompletableFuture.allOf(feed.positioned(), systemFeed.positioned()).thenRun(() -> {
            catchUp = new CatchUp(config, feed.topicTag(), metrics, clock);
            directory.watchTopic(feed.topicId(), reason -> feed.abort(new IllegalStateException(reason
                    + ": the offsets this node reads at and the resume tokens it gave out belong to the old one")));
            tables.start();
        });
        heartbeats.scheduleAtFixedRate(this::beat, 1, 1, TimeUnit.SECONDS);
        keyChecks.scheduleWithFixedDelay(this::recheckKeys, 1, 1, TimeUnit.SECONDS);
        LOG.info("fanout node listening on {}:{} as {} with {}", config.host(), app.port(), advertisedUrl, config);
        return this;
    }

    int port() {
        return app.port();
    }

    boolean isReady() {
        return feed.isReady() && systemFeed.isReady() && catchUp != null && tables.isReady();
    }

    /** Completes when a change feed stops; exceptionally when it failed and the node is useless. */
    CompletableFuture<Void> feedEnded() {
        return CompletableFuture.anyOf(feed.ended(), systemFeed.ended()).thenApply(ignored -> null);
    }

    int partitionOf(String table) {
        return tables.partitionOf(table);
    }

    /** The partitions this node reads for its subscribers now. */
    List<Integer> partitions() {
        return feed.ownedPartitions();
    }

    /** The feed of this node's partitions, for tests that hold it back. */
    ChangeFeed feed() {
        return feed;
    }

    int capOf(String table) {
        return tables.capOf(table);
    }

    int subscriberCount(String table) {
        TableState state = tables.get(table);
        return state == null ? 0 : state.subscribers();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        // The feed first: leaving the group hands the partitions over and tells their subscribers to move.
        feed.close();
        systemFeed.close();
        if (directory != null) {
            directory.close();
        }
        heartbeats.shutdownNow();
        keyChecks.shutdownNow();
        app.stop();
        if (catchUp != null) {
            catchUp.close();
        }
        tables.close();
        snapshots.close();
        serviceMetrics.close();
    }
}
