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
import rtkv.schema.ErrorCode;
import rtkv.schema.Names;

/**
 * The way in, in order. For a connection: the node reads the stream, the address has not sent too many
 * bad keys, the key is good. For each subscription on it (one on {@code /v1/tables/{table}/subscribe},
 * many on {@code /v1/stream}): the key may subscribe to the table, the options are valid, the table is
 * this node's (else {@code moved}), and the table has room; then the subscriber joins it, or resumes from
 * its token. Each refusal is an error frame, and the end of the connection or of the subscription.
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

    /** A subscription being opened: its table and options, and how it is answered until it is a subscriber. */
    interface Opening {
        String table();

        /** An option of the subscription (conflate, only, prefix, resume), or null. */
        String option(String name);

        /** Where the subscriber's frames will go. */
        Channel channel();

        /** An error frame, and the end of this subscription. */
        void refuse(int code, ErrorCode error, String message);

        /** A moved frame naming {@code node} (null: any), and the end of this subscription. */
        void moved(String node, String message);

        /** Admitted: from now on what the client sends about this subscription goes to {@code subscriber}. */
        void became(Subscriber subscriber);
    }

    /** Answers a connection's refusal: an error frame, then the end of the connection. */
    interface Refusal {
        void refuse(int code, ErrorCode error, String message);
    }

    /** A WebSocket on {@code /v1/tables/{table}/subscribe}: the connection, then its one subscription. */
    void connect(SubscriptionSocket ctx) {
        Principal principal = authenticate(ctx.address(), ctx.authorization(), ctx.queryParam("key"),
                (code, error, message) -> refuse(ctx, code, error, message));
        if (principal == null) {
            return;
        }
        subscribe(new Opening() {
            @Override
            public String table() {
                return ctx.table();
            }

            @Override
            public String option(String name) {
                return ctx.queryParam(name);
            }

            @Override
            public Channel channel() {
                return new SocketChannel(ctx.session());
            }

            @Override
            public void refuse(int code, ErrorCode error, String message) {
                Admission.this.refuse(ctx, code, error, message);
            }

            @Override
            public void moved(String node, String message) {
                sendAndClose(ctx, Frames.moved(node, message), Subscriber.MOVED, message);
            }

            @Override
            public void became(Subscriber subscriber) {
                ctx.became(subscriber);
            }
        }, principal);
    }

    /**
     * A connection's way in: the node reads the stream, the address has not sent too many bad keys, and the
     * key is good. Answers its principal, or null once {@code refusal} was told why not.
     */
    Principal authenticate(String address, String authorization, String queryKey, Refusal refusal) {
        if (!ready.getAsBoolean()) {
            // A subscription accepted now could miss changes committed after its first frame.
            refusal.refuse(StatusCode.TRY_AGAIN_LATER, ErrorCode.UNAVAILABLE, "this node is not reading the change stream yet;"
                    + " retry shortly");
            return null;
        }
        long blockedMillis = failures.waitFor(address, config.edge().authFailuresPerAddress());
        if (blockedMillis > 0) {
            refusal.refuse(StatusCode.TRY_AGAIN_LATER, ErrorCode.TOO_MANY_REQUESTS, "too many refused API keys from " + address
                    + "; retry after " + blockedMillis + " ms");
            return null;
        }
        String presented = ApiKeys.fromAuthorization(authorization);
        if (presented == null) {
            presented = queryKey;
        }
        Authenticator.Result auth;
        try {
            auth = authenticator.authenticate(presented);
        } catch (RuntimeException e) {
            LOG.warn("cannot check an API key: {}", e.getMessage());
            refusal.refuse(StatusCode.TRY_AGAIN_LATER, ErrorCode.UNAVAILABLE, "API keys cannot be checked right now; retry shortly");
            return null;
        }
        if (!auth.ok()) {
            failures.take(address, config.edge().authFailuresPerAddress());
            refusal.refuse(Subscriber.UNAUTHORIZED, ErrorCode.UNAUTHORIZED, auth.refusal()
                    + (presented == null ? ", or ?key=KEY from a browser" : ""));
            return null;
        }
        return auth.principal();
    }

    /**
     * Why a connection's key may no longer subscribe (revoked, or expired since the connection opened),
     * or empty when it may, or when it cannot be looked at now: what was accepted stays until it can.
     */
    Optional<String> revoked(Principal principal) {
        if (principal.admin()) {
            return Optional.empty();
        }
        try {
            Authenticator.Result result = authenticator.recheck(principal.id());
            return result.ok() ? Optional.empty() : Optional.of(result.refusal());
        } catch (RuntimeException e) {
            LOG.warn("cannot look at API key {} again: {}", principal.id(), e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * A subscription's way in, for a connection already admitted with {@code principal}: the key may
     * subscribe to the table, the options are valid, the table is this node's (else {@code moved}), and the
     * table has room; then the subscriber joins it, or resumes from its token.
     */
    void subscribe(Opening opening, Principal principal) {
        if (!ready.getAsBoolean()) {
            opening.refuse(StatusCode.TRY_AGAIN_LATER, ErrorCode.UNAVAILABLE, "this node is not reading the change stream yet;"
                    + " retry shortly");
            return;
        }
        String table = opening.table();
        Optional<String> problem = Names.tableProblem(table, config.maxTableName());
        if (problem.isPresent()) {
            opening.refuse(StatusCode.POLICY_VIOLATION, ErrorCode.INVALID_TABLE, problem.get());
            return;
        }
        if (!principal.may(Permission.SUBSCRIBE, table)) {
            opening.refuse(Subscriber.FORBIDDEN, ErrorCode.FORBIDDEN, table.equals(KeyRecord.TABLE)
                    ? "table " + KeyRecord.TABLE + " holds the API keys and cannot be subscribed to"
                    : "this API key may not subscribe to table " + table);
            return;
        }
        String conflate = opening.option("conflate");
        int conflateMillis = conflate == null ? 0 : conflateMillis(conflate);
        if (conflateMillis < 0) {
            opening.refuse(StatusCode.POLICY_VIOLATION, ErrorCode.INVALID_REQUEST, "conflate is a number of milliseconds, 0 (every"
                    + " change) or " + FanoutConfig.MIN_CONFLATE_MILLIS + " to " + FanoutConfig.MAX_CONFLATE_MILLIS + ", not "
                    + conflate);
            return;
        }
        KeyScope.Result scope = KeyScope.parse(opening.option("only"), opening.option("prefix"),
                FanoutConfig.MAX_SCOPE_KEY_BYTES);
        if (scope.problem() != null) {
            opening.refuse(StatusCode.POLICY_VIOLATION, ErrorCode.INVALID_REQUEST, scope.problem());
            return;
        }
        if (!tables.serves(table)) {
            elsewhere(opening, table);
            return;
        }
        Subscriber subscriber = new Subscriber(opening.channel(), table, principal.admin() ? null : principal.id(),
                config.maxPendingBytes(), conflateMillis, scope.scope(), clock, metrics);
        opening.became(subscriber);
        subscribers.add(subscriber);
        String resume = opening.option("resume");
        for (int attempt = 0; attempt < 3; attempt++) {
            TableState state = tables.acquire(table);
            if (state == null) {
                // Its partition left this node a moment ago.
                subscriber.gone();
                subscribers.remove(subscriber);
                elsewhere(opening, table);
                return;
            }
            int cap = tables.capOf(table);
            subscriber.onClose(() -> tables.release(state, subscriber));
            TableState.Admission admission = resume == null ? state.join(subscriber, cap) : state.admit(subscriber, cap);
            switch (admission) {
                case JOINED -> {
                    if (subscriber.isClosed()) {
                        // Its connection ended while it was admitted, before the release was in place.
                        tables.release(state, subscriber);
                    } else if (resume != null) {
                        catchUp.get().resume(subscriber, state, resume);
                    }
                    return;
                }
                case FULL -> {
                    subscriber.onClose(() -> { });
                    subscriber.gone();
                    opening.refuse(Subscriber.TOO_MANY_SUBSCRIBERS, ErrorCode.TOO_MANY_SUBSCRIBERS, "table " + table
                            + " has its maximum of " + cap + " subscribers on this node; an administrator can raise it"
                            + " with PUT /v1/tables/" + Tables.SETTINGS + "/keys/" + table + " {\"maxSubscribers\": N}"
                            + ", or for every table that begins with PREFIX at keys/PREFIX*");
                    return;
                }
                case GONE -> subscriber.onClose(() -> { });
            }
        }
        subscriber.gone();
        opening.refuse(StatusCode.SERVER_ERROR, ErrorCode.UNAVAILABLE, "the table could not be opened; retry shortly");
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
    private void refuse(SubscriptionSocket ctx, int code, ErrorCode error, String message) {
        sendAndClose(ctx, Frames.error(error, message), code, message);
    }

    private void sendAndClose(SubscriptionSocket ctx, String frame, int code, String reason) {
        ctx.send(frame);
        closeSoon(() -> ctx.close(code, Subscriber.closeReason(reason)));
    }

    /**
     * Runs {@code task} on the node's own thread, which holds no table's lock; dropped when the node is
     * stopping, as the tables are closed right after.
     */
    void soon(Runnable task) {
        try {
            closer.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.debug("the node is stopping; a connection's release is left to the tables' close");
        }
    }

    /** Closes a connection a moment after its last frame went out: a refusal's, or a cut-off's (see {@link #refuse}). */
    void closeSoon(Runnable close) {
        try {
            closer.schedule(close, REFUSAL_CLOSE_DELAY_MILLIS, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            close.run(); // the node is stopping
        }
    }

    /** Another node owns the table's partition: the subscriber is sent there, or told to retry while nobody does. */
    private void elsewhere(Opening opening, String table) {
        int partition = tables.partitionOf(table);
        Optional<String> owner = routing.ownerOf(partition);
        if (owner.isPresent()) {
            opening.moved(owner.get(), "table " + table + " is served by " + owner.get());
        } else {
            opening.refuse(StatusCode.TRY_AGAIN_LATER, ErrorCode.UNAVAILABLE, Routing.unowned(table, partition));
        }
    }
}
