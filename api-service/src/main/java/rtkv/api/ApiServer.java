package rtkv.api;

import io.javalin.Javalin;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** api-service's HTTP server. Lifecycle: {@link #start()}, {@link #port()}, {@link #close()}. */
final class ApiServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
    private static final String KEY = "/v1/tables/{table}/keys/{key}";
    private static final String OPENAPI = resource("/rtkv/api/openapi.yaml");

    private final ApiConfig config;
    private final Shards shards;
    private final Javalin app;
    private boolean closed;

    public ApiServer(ApiConfig config) {
        this.config = config;
        this.shards = new Shards(config);
        KeyRoutes keys = new KeyRoutes(new KvStore(shards), config);
        this.app = Javalin.create(c -> {
            c.startup.showJavalinBanner = false;
            c.jetty.host = config.host();
            c.jetty.port = config.port();
            c.http.maxRequestSize = config.maxValueBytes();
            c.routes.put(KEY, keys::put);
            c.routes.get(KEY, keys::get);
            c.routes.delete(KEY, keys::delete);
            c.routes.put("/v1/tables/{table}/keys", keys::emptyKey);
            c.routes.delete("/v1/tables/{table}/keys", keys::emptyKey);
            c.routes.get("/v1/openapi.yaml", ctx -> ctx.contentType("application/yaml").result(OPENAPI));
            c.routes.get("/healthz", ctx -> json(ctx, 200, Answers.status("ok")));
            c.routes.get("/readyz", ctx -> {
                boolean ready = shards.allReachable();
                json(ctx, ready ? 200 : 503, Answers.status(ready ? "ok" : "a shard is unreachable"));
            });
            c.routes.exception(ApiException.class, (e, ctx) -> json(ctx, e.status(), Answers.error(e.code(), e.getMessage())));
            c.routes.exception(HttpResponseException.class, (e, ctx) -> json(ctx, e.getStatus(), Answers.error(
                    codeOf(e.getStatus()), messageOf(e))));
            c.routes.exception(Exception.class, (e, ctx) -> {
                LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
                json(ctx, 500, Answers.error("internal", "the request failed; it was logged"));
            });
        });
    }

    private static String resource(String name) {
        try (InputStream in = ApiServer.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String messageOf(HttpResponseException e) {
        if (e.getStatus() == 413) {
            return "the body is larger than the limit of " + config.maxValueBytes() + " bytes";
        }
        return e.getMessage();
    }

    private static String codeOf(int status) {
        return switch (status) {
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 413 -> "value_too_large";
            default -> status < 500 ? "bad_request" : "internal";
        };
    }

    private static void json(Context ctx, int status, String body) {
        ctx.status(status).contentType("application/json").result(body);
    }

    public ApiServer start() {
        app.start();
        LOG.info("api-service listening on {}:{} with {}", config.host(), app.port(), config);
        return this;
    }

    public int port() {
        return app.port();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        app.stop();
        shards.close();
    }
}
