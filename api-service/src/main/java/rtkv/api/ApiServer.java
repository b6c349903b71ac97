package rtkv.api;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import java.time.Clock;
import java.util.List;
import org.eclipse.jetty.util.VirtualThreads;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import rtkv.api.store.KeyDirectory;
import rtkv.api.store.KvStore;
import rtkv.api.store.Shards;
import rtkv.api.store.StoreConfig;
import rtkv.api.store.StoreException;
import rtkv.api.store.Sweeper;
import rtkv.edge.Connectors;
import rtkv.edge.JsonErrorHandler;
import rtkv.metrics.ServiceMetrics;
import rtkv.pages.Pages;
import rtkv.schema.ClasspathText;
import rtkv.schema.ErrorCode;

/** api-service's HTTP server. Lifecycle: {@link #start()}, {@link #port()}, {@link #close()}. */
final class ApiServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
    private static final String KEY = "/v1/tables/{table}/keys/{key}";
    private static final String OPENAPI = ClasspathText.read("/rtkv/api/openapi.yaml");

    private final ApiConfig config;
    private final Shards shards;
    private final Sweeper sweeper;
    private final ServiceMetrics metrics = new ServiceMetrics("api-service");
    private final Javalin app;
    private boolean closed;

    ApiServer(ApiConfig config, Clock clock) {
        this.config = config;
        StoreConfig storage = config.store();
        this.shards = new Shards(storage, metrics.registry());
        RequestTimer requests = new RequestTimer(metrics.registry());
        this.sweeper = config.sweepMillis() > 0 ? new Sweeper(shards, storage, clock) : null;
        KvStore store = new KvStore(shards, clock, storage.idempotencySeconds(), Answers.TEXT);
        KeyDirectory directory = new KeyDirectory(store, clock, config.keyCacheMillis());
        Access access = new Access(config, directory, clock);
        KeyRoutes keys = new KeyRoutes(store, config);
        AdminRoutes admin = new AdminRoutes(directory, config);
        this.app = Javalin.create(c -> {
            c.startup.showJavalinBanner = false;
            c.jetty.threadPool = threadPool();
            c.jetty.addConnector((server, http) -> Connectors.create(server, http, config.host(), config.port(), config.edge()));
            // Bodies are read by Bodies.read, which stops at each route's own limit.
            c.http.maxRequestSize = Math.max(config.maxValueBytes(), config.maxBatchBytes());
            c.http.prefer405over404 = true;
            c.requestLogger.http(requests::record);
            c.routes.before(ctx -> RequestContext.enter(ctx.path()));
            // Javalin answers a HEAD of any GET route 200 without running it, so a missing key would seem
            // to exist. HEAD is not served; the document lists no HEAD operation.
            c.routes.before(ctx -> {
                if (ctx.method() == HandlerType.HEAD) {
                    throw new HttpResponseException(405, "HEAD is not served; send GET");
                }
            });
            // After the exception handlers, which log with it; also when writing the answer then fails.
            c.routes.after(ctx -> RequestContext.leave());
            // With a beforeMatched handler Javalin matches the route before any handler runs, so a
            // request that authentication refuses is still timed under its route, not as unmatched.
            c.routes.beforeMatched(ctx -> { });
            if (!config.allowedOrigins().isEmpty()) {
                // Before authentication, so its refusals reach the page too.
                c.routes.before("/v1/*", new CrossOrigin(config.allowedOrigins())::handle);
            }
            c.routes.before("/v1/*", access::authenticate);
            c.routes.put(KEY, keys::put);
            c.routes.get(KEY, keys::get);
            c.routes.delete(KEY, keys::delete);
            c.routes.put(KEY + "/ttl", keys::ttl);
            c.routes.post(KEY + "/incr", keys::increment);
            c.routes.get("/v1/tables/{table}/keys", keys::list);
            c.routes.put("/v1/tables/{table}/keys", keys::emptyKey);
            c.routes.delete("/v1/tables/{table}/keys", keys::emptyKey);
            c.routes.post("/v1/tables/{table}/batch", keys::batch);
            c.routes.post("/v1/admin/keys", admin::create);
            c.routes.get("/v1/admin/keys", admin::list);
            c.routes.get("/v1/admin/keys/{id}", admin::get);
            c.routes.delete("/v1/admin/keys/{id}", admin::revoke);
            if (!config.pagesFanoutUrl().isEmpty()) {
                new Pages(config.pagesFanoutUrl()).addTo(c);
            }
            c.routes.get("/v1/openapi.yaml", ctx -> ctx.contentType("application/yaml").result(OPENAPI));
            c.routes.get("/healthz", ctx -> json(ctx, 200, Answers.status("ok")));
            c.routes.get("/metrics", ctx -> ctx.contentType(ServiceMetrics.CONTENT_TYPE).result(metrics.scrape()));
            c.routes.get("/readyz", ctx -> {
                boolean ready = shards.allReachable();
                json(ctx, ready ? 200 : 503, Answers.status(ready ? "ok" : "a shard is unreachable"));
            });
            c.routes.exception(ApiException.class, ApiServer::answer);
            c.routes.exception(StoreException.class, (e, ctx) -> answer(ApiException.from(e), ctx));
            c.routes.exception(HttpResponseException.class, (e, ctx) -> {
                if (!Bodies.drain(ctx)) {
                    ctx.header("Connection", "close");
                }
                json(ctx, e.getStatus(), Answers.error(ErrorCode.ofStatus(e.getStatus()), e.getMessage()));
            });
            c.routes.exception(Exception.class, (e, ctx) -> {
                LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
                json(ctx, 500, Answers.error(ErrorCode.INTERNAL, "the request failed; it was logged"));
            });
        });
    }

    private static void answer(ApiException e, Context ctx) {
        if (!Bodies.drain(ctx)) {
            ctx.header("Connection", "close");
        }
        if (e.status() == 429) {
            ctx.header("Retry-After", Long.toString(e.retryAfterSeconds()));
        } else if (e.status() == 401) {
            ctx.header("WWW-Authenticate", "Bearer realm=\"rtkv\"");
        }
        json(ctx, e.status(), e.body());
    }

    /**
     * Jetty's selectors on pooled threads and, where the JVM has them (Java 21+), each request on a
     * virtual thread: a request mostly waits on its shard, and a parked virtual thread costs a
     * continuation where a blocked pool thread costs two context switches (kv: 12% more requests a
     * second on two cores). On Java 17 requests run on the pool's threads.
     */
    private static QueuedThreadPool threadPool() {
        QueuedThreadPool pool = new QueuedThreadPool(250, 8, 60_000);
        pool.setName("api-http");
        if (VirtualThreads.areSupported()) {
            pool.setVirtualThreadsExecutor(VirtualThreads.getNamedVirtualThreadsExecutor("api-request"));
        }
        return pool;
    }

    private static void json(Context ctx, int status, String body) {
        ctx.status(status).contentType("application/json").result(body);
    }

    ApiServer start() {
        app.start();
        if (sweeper != null) {
            sweeper.start();
        }
        LOG.info("api-service listening on {}:{} with {}", config.host(), app.port(), config);
        return this;
    }

    /** Every route this server answers, as "METHOD /path", in OpenAPI's path form. */
    List<String> routes() {
        return app.unsafe.internalRouter.allHttpHandlers().stream().map(handler -> handler.endpoint)
                .filter(endpoint -> endpoint.method.isHttpMethod())
                .map(endpoint -> endpoint.method.name() + " " + endpoint.path).toList();
    }

    int shardOf(String table) {
        return shards.shardOf(table);
    }

    int port() {
        return app.port();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        app.stop();
        if (sweeper != null) {
            sweeper.close();
        }
        shards.close();
        metrics.close();
    }

}
