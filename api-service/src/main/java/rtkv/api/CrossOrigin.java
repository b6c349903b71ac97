package rtkv.api;

import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.util.List;
import java.util.Set;

/**
 * CORS for the API, for pages on the sites in RTKV_API_ALLOWED_ORIGINS. Ours rather than Javalin's
 * CorsPlugin, for two things that plugin (7.2.3) does that an API cannot: it answers a request from an
 * origin it does not allow with status 400 after the request has run (a write applied, answered as
 * refused), and its handler runs after the routes' own before-handlers, so a 401 or 429 from
 * authentication carries no CORS headers and a page sees a network error instead of the refusal.
 * This runs first: an allowed origin gets its headers on every answer, a preflight is answered here,
 * and any other request is left exactly as it came.
 */
final class CrossOrigin {

    /** What a page may send; anything else the API does not read. */
    private static final String ALLOWED_HEADERS = "Authorization, Content-Type, If-Match, If-None-Match, Idempotency-Key";
    private static final String EXPOSED_HEADERS = "ETag, Retry-After, " + Idempotency.REPLAYED;
    private static final String METHODS = "GET, PUT, POST, DELETE";

    private final boolean any;
    private final Set<String> origins;

    CrossOrigin(List<String> allowed) {
        this.any = allowed.contains("*");
        this.origins = Set.copyOf(allowed);
    }

    void handle(Context ctx) {
        String origin = ctx.header("Origin");
        if (origin == null || !(any || origins.contains(origin))) {
            return;
        }
        ctx.header("Access-Control-Allow-Origin", any ? "*" : origin);
        if (!any) {
            ctx.header("Vary", "Origin");
        }
        ctx.header("Access-Control-Expose-Headers", EXPOSED_HEADERS);
        if (isPreflight(ctx)) {
            ctx.header("Access-Control-Allow-Methods", METHODS).header("Access-Control-Allow-Headers", ALLOWED_HEADERS)
                    .header("Access-Control-Max-Age", "600").status(204).skipRemainingHandlers();
        }
    }

    /** A browser asking whether it may send a request; it carries no key. */
    static boolean isPreflight(Context ctx) {
        return ctx.method() == HandlerType.OPTIONS && ctx.header("Access-Control-Request-Method") != null;
    }
}
