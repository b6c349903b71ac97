package rtkv.api;

import io.javalin.http.Context;
import io.javalin.router.Endpoint;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import rtkv.metrics.ServiceMetrics;

/**
 * Times every request by method, route and status ({@code rtkv_http_server_requests_seconds}). The
 * route is the path template, never the path: a table or key in a tag would make a series per key.
 */
final class RequestTimer {

    /** A request no route matched (404) keeps the cardinality bounded too. */
    static final String UNMATCHED = "unmatched";

    private final MeterRegistry registry;

    RequestTimer(MeterRegistry registry) {
        this.registry = registry;
    }

    void record(Context ctx, Float millis) {
        Endpoint endpoint = ctx.endpoints().matchedHttpEndpoint();
        String route = endpoint == null ? UNMATCHED : endpoint.path;
        Timer timer = ServiceMetrics.latency("rtkv.http.server.requests", "HTTP requests answered, by route and status")
                .tag("method", ctx.method().name())
                .tag("route", route)
                .tag("status", Integer.toString(ctx.statusCode()))
                .register(registry);
        timer.record((long) (millis * 1_000_000L), TimeUnit.NANOSECONDS);
    }
}
