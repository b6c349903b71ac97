package rtkv.fanout;

import java.time.Clock;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.eclipse.jetty.websocket.api.StatusCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import rtkv.auth.ApiKeys;
import rtkv.auth.Authenticator;
import rtkv.auth.KeyRecord;
import rtkv.auth.Permission;
import rtkv.auth.Principal;
import rtkv.auth.RateLimiter;
import rtkv.schema.Names;

/**
 * A WebSocket's way in, in order: the node reads the stream, the address has not sent too many bad
 * keys, the key is good and may subscribe to the table, the options are valid, the table is this node's
 * (else {@code moved}), and the table has room; then the subscriber joins it, or resumes from its token.
 * Each refusal is an error frame and a close.
 */
final class Admission {

    private static final Logger LOG = LoggerFactory.getLogger(Admission.class);
    private static final long REFUSAL_CLOSE_DELAY_MILLIS = 200;

    private final FanoutConfig config;
    private final Clock clock;
    private final Tables tables;
    private final Authenticator authenticator;
    private final RateLimiter failures;
    private final FanoutMetrics metrics;
    private final Set<Subscriber> subscribers;
    private final Routing routing;
    private final BooleanSupplier ready;
    private final Supplier<CatchUp> catchUp;
    /** Closes a refused connection a moment after its error frame. */
    private final ScheduledExecutorService closer;

    Admission(FanoutConfig config, Clock clock, Tables tables, Authenticator authenticator, FanoutMetrics metrics,
              Set<Subscriber> subscribers, Routing routing, BooleanSupplier ready, Supplier<CatchUp> catchUp,
              ScheduledExecutorService closer) {
        this.config = config;
        this.clock = clock;
        this.tables = tables;
        this.authenticator = authenticator;
        this.failures = new RateLimiter(clock);
        this.metrics = metrics;
        this.subscribers = subscribers;
        this.routing = routing;
        this.ready = ready;
        this.catchUp = catchUp;
        this.closer = closer;
    }

    void connect(SubscriptionSocket ctx) {
        if (!ready.getAsBoolean()) {
            // A subscription accepted now could miss changes committed after its first frame.
            refuse(ctx, StatusCode.TRY_AGAIN_LATER, "unavailable", "this node is not reading the change stream yet; retry shortly");
            return;
        }
        String address = ctx.address();
        long blockedMillis = failures.waitFor(address, config.edge().authFailuresPerAddress());
        if (blockedMillis > 0) {
            refuse(ctx, StatusCode.TRY_AGAIN_LATER, "too_many_requests", "too many refused API keys from " + address
                    + "; retry after " + blockedMillis + " ms");
            return;
        }
        String presented = ApiKeys.fromAuthorization(ctx.authorization());
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
        String table = ctx.table();
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
        KeyScope.Result scope = KeyScope.parse(ctx.queryParam("only"), ctx.queryParam("prefix"),
                FanoutConfig.MAX_SCOPE_KEY_BYTES);
        if (scope.problem() != null) {
            refuse(ctx, StatusCode.POLICY_VIOLATION, "invalid_request", scope.problem());
            return;
        }
        if (!tables.serves(table)) {
            elsewhere(ctx, table);
            return;
        }
        Subscriber subscriber = new Subscriber(ctx.session(), table, principal.admin() ? null : principal.id(),
                config.maxPendingBytes(), conflateMillis, scope.scope(), clock, metrics);
        ctx.became(subscriber);
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
                        catchUp.get().resume(subscriber, state, resume);
                    }
                    return;
                }
                case FULL -> {
                    subscriber.onClose(() -> { });
                    subscriber.gone();
                    refuse(ctx, Subscriber.TOO_MANY_SUBSCRIBERS, "too_many_subscribers", "table " + table
                            + " has its maximum of " + cap + " subscribers on this node; an administrator can raise it"
                            + " with PUT /v1/tables/" + Tables.SETTINGS + "/keys/" + table + " {\"maxSubscribers\": N}"
                            + ", or for every table that begins with PREFIX at keys/PREFIX*");
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

    /**
     * A refusal before the subscription exists: one error frame, then the close. The close waits a
     * moment: Node's WebSocket (undici) drops a frame that arrives together with the end of the
     * connection right after the upgrade, and reports only 1006, so the client would never learn why.
     */
    private void refuse(SubscriptionSocket ctx, int code, String error, String message) {
        sendAndClose(ctx, Frames.error(error, message), code, message);
    }

    private void sendAndClose(SubscriptionSocket ctx, String frame, int code, String reason) {
        ctx.send(frame);
        try {
            closer.schedule(() -> ctx.close(code, Subscriber.closeReason(reason)), REFUSAL_CLOSE_DELAY_MILLIS,
                    TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            ctx.close(code, Subscriber.closeReason(reason)); // the node is stopping
        }
    }

    /** Another node owns the table's partition: the subscriber is sent there, or told to retry while nobody does. */
    private void elsewhere(SubscriptionSocket ctx, String table) {
        int partition = tables.partitionOf(table);
        Optional<String> owner = routing.ownerOf(partition);
        if (owner.isPresent()) {
            String message = "table " + table + " is served by " + owner.get();
            sendAndClose(ctx, Frames.moved(owner.get(), message), Subscriber.MOVED, message);
        } else {
            refuse(ctx, StatusCode.TRY_AGAIN_LATER, "unavailable", Routing.unowned(table, partition));
        }
    }
}
