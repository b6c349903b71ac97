package rtkv.fanout;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.eclipse.jetty.http.pathmap.UriTemplatePathSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import rtkv.auth.Authenticator;
import rtkv.edge.Connectors;
import rtkv.edge.JsonErrorHandler;
import rtkv.metrics.ServiceMetrics;
import rtkv.schema.ClasspathText;
import rtkv.schema.ErrorCode;
import rtkv.schema.JsonText;

/**
 * A fanout node: WebSocket subscriptions on {@code /v1/tables/{table}/subscribe[?resume=TOKEN][&conflate=MS]}, many
 * on one connection at {@code /v1/stream}, the JavaScript SDK at {@code /v1/client.js} (its modules under
 * {@code /v1/sdk/}), health at {@code /healthz} and {@code /readyz}. Its parts: the
 * {@link Admission} of a new subscriber, the {@link Routing} of a table to its node, the
 * {@link Heartbeats} rounds, and the change feeds with the tables they fill. This class ties them together
 * and runs their lifecycle: {@link #start()}, {@link #isReady()}, {@link #close()}.
 */
final class FanoutServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FanoutServer.class);
    /**
     * The JavaScript SDK's modules (client-js/src, copied in by the build), served so a page or a script can
     * import them from any node without installing the package.
     */
    private static final Map<String, String> SDK = Stream.of("index.js", "errors.js", "http.js", "stream.js",
            "subscription.js").collect(Collectors.toUnmodifiableMap(f -> f, f -> ClasspathText.read("/rtkv/fanout/sdk/" + f)));
    /** Where pages have long imported the client from: the SDK itself now, with its subscribe(url, table). */
    private static final String CLIENT_JS = "export * from './sdk/index.js';\n";

    private final FanoutConfig config;
    private final Clock clock;
    private final ChangeFeed feed;
    private final ChangeFeed systemFeed;
    private final Snapshots snapshots;
    private final Tables tables;
    private final ServiceMetrics serviceMetrics = new ServiceMetrics("fanout-nodes");
    private final FanoutMetrics metrics;
    private final Set<Subscriber> subscribers = ConcurrentHashMap.newKeySet();
    private final Set<StreamSocket> streams = ConcurrentHashMap.newKeySet();
    private final Heartbeats heartbeats;
    private final Routing routing;
    private final Admission admission;
    private final Javalin app;
    private volatile CatchUp catchUp;
    private volatile Directory directory;
    private boolean closed;

    FanoutServer(FanoutConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.feed = new ChangeFeed(config, ChangeFeed.Scope.GROUP, Set.copyOf(Tables.PINNED));
        this.systemFeed = new ChangeFeed(config, ChangeFeed.Scope.SYSTEM, Set.copyOf(Tables.PINNED));
        this.snapshots = new Snapshots(config);
        this.tables = new Tables(config, snapshots, feed, systemFeed, clock);
        // A subscriber with a socket of its own is a connection; those on a stream share theirs.
        this.metrics = new FanoutMetrics(serviceMetrics.registry(), clock, () -> streams.size()
                + (int) subscribers.stream().filter(s -> !s.shared()).count(), tables::subscriberCounts);
        Authenticator authenticator = new Authenticator(config.adminKey(), tables::key, clock);
        this.heartbeats = new Heartbeats(config, subscribers, streams, authenticator);
        this.routing = new Routing(config, tables, this::isReady);
        this.admission = new Admission(config, clock, tables, authenticator, metrics, subscribers, routing, this::isReady,
                () -> catchUp, heartbeats.scheduler());
        this.app = Javalin.create(c -> {
            c.startup.showJavalinBanner = false;
            c.jetty.addConnector((server, http) -> Connectors.create(server, http, config.host(), config.port(), config.edge()));
            c.jetty.modifyServer(server -> server.insertHandler(SubscriptionSocket.upgradeHandler(server, container -> {
                // A backstop: the heartbeat check closes silent clients first.
                container.setIdleTimeout(Duration.ofSeconds(2L * config.clientTimeoutSeconds()));
                container.setMaxTextMessageSize(FanoutConfig.MAX_CLIENT_FRAME_BYTES);
                container.setMaxBinaryMessageSize(FanoutConfig.MAX_CLIENT_FRAME_BYTES);
                // Clients send only heartbeats of a few bytes, and Jetty sizes each incoming message's
                // buffer by this (4 KiB by default): 10,000 subscribers' heartbeats made 4 MB/s of garbage.
                container.setInputBufferSize(512);
                for (UriTemplatePathSpec path : SubscriptionSocket.PATH_SPECS) {
                    container.addMapping(path, (request, response, callback) ->
                            SubscriptionSocket.of(request, response, admission, subscribers, config.heartbeatSeconds()));
                }
                container.addMapping(StreamSocket.PATH, (request, response, callback) ->
                        StreamSocket.of(request, response, admission, subscribers, streams, config, clock));
            })));
            // What the upgrade handler passed on: no upgrade, or one it could not make sense of.
            c.routes.get(SubscriptionSocket.PATH, ctx -> {
                throw new HttpResponseException(426, "subscribe with a WebSocket (RFC 6455, version 13) at this address,"
                        + " e.g. wscat -c 'ws://HOST" + ctx.path() + "' -H 'Authorization: Bearer KEY'");
            });
            c.routes.get(StreamSocket.PATH, ctx -> {
                throw new HttpResponseException(426, "open a WebSocket (RFC 6455, version 13) at this address and send"
                        + " {\"type\":\"subscribe\",\"id\":\"ID\",\"table\":\"TABLE\"} for each table");
            });
            c.routes.get("/v1/client.js", ctx -> script(ctx, CLIENT_JS));
            c.routes.get("/v1/sdk/{file}", ctx -> {
                String module = SDK.get(ctx.pathParam("file"));
                if (module == null) {
                    throw new HttpResponseException(404, "no such module of the JavaScript SDK");
                }
                script(ctx, module);
            });
            c.routes.get("/v1/tables/{table}/node", routing::node);
            c.routes.get("/healthz", ctx -> status(ctx, true));
            c.routes.get("/readyz", ctx -> status(ctx, isReady() && !feed.ownedPartitions().isEmpty()));
            c.routes.get("/metrics", ctx -> ctx.contentType(ServiceMetrics.CONTENT_TYPE).result(metrics.scrape(serviceMetrics)));
            c.routes.exception(HttpResponseException.class, (e, ctx) -> ctx.status(e.getStatus())
                    .contentType("application/json")
                    .result(Frames.error(ErrorCode.ofStatus(e.getStatus()), e.getMessage())));
        });
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
        String advertisedUrl = config.advertisedUrl(app.port());
        directory = new Directory(config, 1_000);
        routing.start(directory, advertisedUrl);
        feed.start(tables, tables::revoked, advertisedUrl, metrics);
        systemFeed.start(tables, partitions -> { }, advertisedUrl, metrics);
        CompletableFuture.allOf(feed.positioned(), systemFeed.positioned()).thenRun(() -> {
            catchUp = new CatchUp(config, feed.topicTag(), metrics, clock);
            directory.watchTopic(feed.topicId(), reason -> feed.abort(new IllegalStateException(reason
                    + ": the offsets this node reads at and the resume tokens it gave out belong to the old one")));
            tables.start();
        });
        heartbeats.start();
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
        heartbeats.close();
        app.stop();
        if (catchUp != null) {
            catchUp.close();
        }
        tables.close();
        snapshots.close();
        serviceMetrics.close();
    }

    /** A module any page may import, from any origin. */
    private static void script(Context ctx, String module) {
        ctx.header("Access-Control-Allow-Origin", "*").header("Cache-Control", "no-cache")
                .contentType("text/javascript; charset=utf-8").result(module);
    }
}
