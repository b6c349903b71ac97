package rtkv.fanout;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.websocket.WsConfig;
import io.javalin.websocket.WsContext;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.api.StatusCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import rtkv.schema.Names;

/**
 * A fanout node: WebSocket subscriptions on {@code /v1/tables/{table}/subscribe}, fed by a
 * {@link ChangeFeed}. Lifecycle: {@link #start()}, {@link #isReady()}, {@link #close()}.
 */
final class FanoutServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FanoutServer.class);
    private static final String SUBSCRIBER = "rtkv.subscriber";

    private final FanoutConfig config;
    private final Subscribers subscribers = new Subscribers();
    private final ChangeFeed feed;
    private final Javalin app;
    private boolean closed;

    public FanoutServer(FanoutConfig config) {
        this.config = config;
        this.feed = new ChangeFeed(config, subscribers);
        this.app = Javalin.create(c -> {
            c.startup.showJavalinBanner = false;
            c.jetty.host = config.host();
            c.jetty.port = config.port();
            c.jetty.modifyWebSocketServletFactory(factory -> factory.setIdleTimeout(Duration.ofSeconds(config.idleSeconds())));
            c.routes.ws("/v1/tables/{table}/subscribe", this::subscriptions);
            c.routes.get("/healthz", ctx -> status(ctx, true));
            c.routes.get("/readyz", ctx -> status(ctx, feed.isReady()));
            c.routes.exception(HttpResponseException.class, (e, ctx) -> ctx.status(e.getStatus())
                    .contentType("application/json")
                    .result(Frames.error(e.getStatus() == 404 ? "not_found" : "bad_request", e.getMessage())));
        });
    }

    private void subscriptions(WsConfig ws) {
        ws.onConnect(ctx -> {
            String table = ctx.pathParam("table");
            Optional<String> problem = Names.tableProblem(table, config.maxTableName());
            if (problem.isPresent()) {
                ctx.send(Frames.error("invalid_table", problem.get()));
                ctx.closeSession(StatusCode.POLICY_VIOLATION, problem.get());
                return;
            }
            if (!feed.isReady()) {
                // A subscription accepted now could miss changes committed after its first frame.
                ctx.send(Frames.error("unavailable", "this node is not reading the change stream; retry shortly"));
                ctx.closeSession(StatusCode.TRY_AGAIN_LATER, "not ready");
                return;
            }
            Subscriber subscriber = new Subscriber(ctx.session, table, config.maxPendingFrames(), subscribers);
            ctx.attribute(SUBSCRIBER, subscriber);
            subscribers.add(subscriber);
            subscriber.open(Frames.subscribed(table));
            ctx.enableAutomaticPings(config.pingSeconds(), TimeUnit.SECONDS);
        });
        ws.onClose(ctx -> leave(ctx));
        ws.onError(ctx -> leave(ctx));
    }

    private void leave(WsContext ctx) {
        Subscriber subscriber = ctx.attribute(SUBSCRIBER);
        if (subscriber != null) {
            subscriber.close();
            subscribers.remove(subscriber);
        }
        ctx.disableAutomaticPings();
    }

    private static void status(Context ctx, boolean ok) {
        ctx.status(ok ? 200 : 503).contentType("application/json")
                .result("{\"status\":\"" + (ok ? "ok" : "not reading the change topic yet") + "\"}");
    }

    /** Binds the port, then starts reading the topic; subscriptions are refused until that is positioned. */
    public FanoutServer start() {
        app.start();
        feed.start();
        LOG.info("fanout node listening on {}:{}, reading {} from {}", config.host(), app.port(), config.topic(),
                config.kafkaBootstrap());
        return this;
    }

    public int port() {
        return app.port();
    }

    public boolean isReady() {
        return feed.isReady();
    }

    /** Completes when the change feed stops; exceptionally when it failed and the node is useless. */
    public CompletableFuture<Void> feedEnded() {
        return feed.ended();
    }

    int subscriberCount(String table) {
        return subscribers.of(table).size();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        app.stop();
        feed.close();
    }
}
