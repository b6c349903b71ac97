package rtkv.api;

import io.javalin.http.Context;
import java.time.Clock;
import rtkv.api.store.KeyDirectory;
import rtkv.auth.ApiKeys;
import rtkv.auth.Authenticator;
import rtkv.auth.KeyRecord;
import rtkv.auth.Permission;
import rtkv.auth.Principal;
import rtkv.auth.RateLimiter;

/**
 * Who may do what. Every {@code /v1} request but the OpenAPI file carries {@code Authorization: Bearer
 * KEY}: without a valid key it is answered 401 before anything else is looked at, then the key's rate is
 * checked (429), then each route asks for the permission it needs on its table (403). An address whose
 * keys keep being refused is answered 429 without its keys being looked up at all.
 */
final class Access {

    private static final String PRINCIPAL = "rtkv.principal";

    private final Authenticator authenticator;
    private final RateLimiter limiter;
    private final RateLimiter failures;
    private final int defaultRate;
    private final int failuresPerAddress;

    Access(ApiConfig config, KeyDirectory keys, Clock clock) {
        this.authenticator = new Authenticator(config.adminKey(), keys::lookup, clock);
        this.limiter = new RateLimiter(clock);
        this.failures = new RateLimiter(clock);
        this.defaultRate = config.keyRateLimit();
        this.failuresPerAddress = config.edge().authFailuresPerAddress();
    }

    /** Before every /v1 route. */
    void authenticate(Context ctx) {
        // A browser's CORS preflight carries no key (CrossOrigin answers it when its origin is allowed).
        if (ctx.path().equals("/v1/openapi.yaml") || CrossOrigin.isPreflight(ctx)) {
            return;
        }
        String address = ctx.req().getRemoteAddr();
        long blockedMillis = failures.waitFor(address, failuresPerAddress);
        if (blockedMillis > 0) {
            throw ApiException.tooManyRequests("too many refused API keys from " + address + "; retry after "
                    + blockedMillis + " ms", (blockedMillis + 999) / 1000);
        }
        Authenticator.Result result = authenticator.authenticate(ApiKeys.fromAuthorization(ctx.header("Authorization")));
        if (!result.ok()) {
            failures.take(address, failuresPerAddress);
            throw ApiException.unauthorized(result.refusal());
        }
        Principal principal = result.principal();
        if (!principal.admin()) {
            int rate = principal.rateLimit() == null ? defaultRate : principal.rateLimit();
            long waitMillis = limiter.take(principal.id(), rate);
            if (waitMillis > 0) {
                throw ApiException.tooManyRequests("this API key may make " + rate + " requests per second; retry after "
                        + waitMillis + " ms", (waitMillis + 999) / 1000);
            }
        }
        ctx.attribute(PRINCIPAL, principal);
    }

    /** @throws ApiException 403 unless the request's key may do {@code permission} on {@code table} */
    static void require(Context ctx, Permission permission, String table) {
        Principal principal = ctx.attribute(PRINCIPAL);
        if (principal == null) {
            throw new IllegalStateException("route reached without authentication: " + ctx.path());
        }
        if (table.equals(KeyRecord.TABLE)) {
            throw ApiException.forbidden("table " + KeyRecord.TABLE + " holds the API keys; manage them at /v1/admin/keys");
        }
        if (!principal.may(permission, table)) {
            throw ApiException.forbidden("this API key may not " + permission.wire() + " table " + table);
        }
    }

    /** @throws ApiException 403 unless the request was made with the admin key */
    static void requireAdmin(Context ctx) {
        Principal principal = ctx.attribute(PRINCIPAL);
        if (principal == null || !principal.admin()) {
            throw ApiException.forbidden("only the admin key manages API keys");
        }
    }
}
