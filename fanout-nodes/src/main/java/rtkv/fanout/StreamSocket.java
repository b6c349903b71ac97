package rtkv.fanout;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;
import org.eclipse.jetty.websocket.common.WebSocketSession;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.OpCode;
import org.eclipse.jetty.websocket.server.ServerUpgradeRequest;
import org.eclipse.jetty.websocket.server.ServerUpgradeResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import rtkv.auth.Principal;
import rtkv.schema.ErrorCode;

/**
 * One WebSocket on {@code /v1/stream} carrying many subscriptions, each named by the client's id: the
 * client sends {@code subscribe} and {@code unsubscribe} messages ({@link StreamRequest}), and every frame of
 * a subscription carries its {@code id}. A refused or failing subscription ends alone; the connection
 * ends only for its key (revoked), its silence, or a client that stopped reading. Heartbeats and the
 * client's silence are the connection's, not each subscription's. Public only because Jetty binds its
 * listener methods through method handles.
 */
public final class StreamSocket implements Session.Listener.AutoDemanding {

    static final String PATH = "/v1/stream";
    /** What Jetty takes before it closes with 1009; up to it, a message over the limit gets an error frame. */
    static final int MAX_WEBSOCKET_MESSAGE_BYTES = 64 * 1024;
    /**
     * Bytes waiting for a client to read, in RTKV_FANOUT_MAX_PENDING_BYTES, past which its subscribes are
     * refused until it has read (and past twice that, nothing it sends is answered): each
     * subscription's changes are bounded on their own, but snapshots and answers are the client's doing,
     * and one that sends without reading would otherwise queue them without end. A snapshot already on its
     * way goes on whatever its size; a client that has that much waiting and read nothing for
     * RTKV_FANOUT_CLIENT_TIMEOUT_SECONDS is cut off.
     */
    static final int MAX_PENDING_PER_CONNECTION = 8;
    private static final Logger LOG = LoggerFactory.getLogger(StreamSocket.class);

    private final String authorization;
    private final String queryKey;
    private final String address;
    private final Admission admission;
    private final Set<Subscriber> subscribers;
    private final Set<StreamSocket> streams;
    private final FanoutConfig config;
    private final Clock clock;
    private final Map<String, StreamSubscription> subscriptions = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Bytes handed to Jetty and not yet written to the client. */
    private final AtomicLong queued = new AtomicLong();
    /** When a write to the client last completed: it reads. */
    private volatile long lastWrittenMillis;
    private volatile Session session;
    private volatile CoreSession core;
    private volatile Principal principal;
    private volatile long lastHeardMillis;
    private volatile boolean sentSinceHeartbeat;

    private StreamSocket(String authorization, String queryKey, String address, Admission admission,
                         Set<Subscriber> subscribers, Set<StreamSocket> streams, FanoutConfig config, Clock clock) {
        this.authorization = authorization;
        this.queryKey = queryKey;
        this.address = address;
        this.admission = admission;
        this.subscribers = subscribers;
        this.streams = streams;
        this.config = config;
        this.clock = clock;
        this.lastHeardMillis = clock.millis();
        this.lastWrittenMillis = lastHeardMillis;
    }

    /** For an upgrade request on {@link #PATH}; extensions are declined, as on the one-table address. */
    static StreamSocket of(ServerUpgradeRequest request, ServerUpgradeResponse response, Admission admission,
                           Set<Subscriber> subscribers, Set<StreamSocket> streams, FanoutConfig config, Clock clock) {
        SubscriptionSocket.negotiate(request, response);
        return new StreamSocket(request.getHeaders().get("Authorization"),
                org.eclipse.jetty.server.Request.extractQueryParameters(request).getValue("key"),
                SubscriptionSocket.addressOf(request), admission, subscribers, streams, config, clock);
    }

    @Override
    public void onWebSocketOpen(Session opened) {
        this.session = opened;
        this.core = ((WebSocketSession) opened).getCoreSession();
        opened.setMaxTextMessageSize(MAX_WEBSOCKET_MESSAGE_BYTES);
        opened.setMaxBinaryMessageSize(MAX_WEBSOCKET_MESSAGE_BYTES);
        try {
            principal = admission.authenticate(address, authorization, queryKey, this::refuse);
        } catch (RuntimeException e) {
            LOG.error("admitting a stream connection failed", e);
            refuse(StatusCode.SERVER_ERROR, ErrorCode.UNAVAILABLE, "internal error; retry shortly");
            return;
        }
        if (principal != null) {
            streams.add(this);
        }
    }

    @Override
    public void onWebSocketText(String message) {
        lastHeardMillis = clock.millis();
        Principal admitted = principal;
        if (admitted == null || closed.get() || closedIfTooSlow() || message.equals(Frames.HEARTBEAT)) {
            return;
        }
        StreamRequest request;
        try {
            request = StreamRequest.parse(message);
        } catch (StreamRequest.Invalid e) {
            answer(Frames.withId(e.id(), Frames.error(e.error(), e.getMessage())));
            return;
        }
        switch (request.type()) {
            case "subscribe" -> subscribe(request, admitted);
            case "unsubscribe" -> unsubscribe(request.id());
            default -> {
                // a heartbeat: heard above
            }
        }
    }

    private void subscribe(StreamRequest request, Principal admitted) {
        String id = request.id();
        long waiting = queued.get();
        if (waiting > limit()) {
            answer(Frames.withId(id, Frames.error(ErrorCode.TOO_MANY_REQUESTS, waiting + " bytes wait for this connection to"
                    + " read; subscribe again once it has read them")));
            return;
        }
        if (subscriptions.containsKey(id)) {
            write(Frames.withId(id, Frames.error(ErrorCode.DUPLICATE_ID, "subscription " + id + " is open on this connection;"
                    + " unsubscribe it first, or use another id")));
            return;
        }
        if (subscriptions.size() >= config.maxSubscriptionsPerConnection()) {
            write(Frames.withId(id, Frames.error(ErrorCode.TOO_MANY_SUBSCRIPTIONS, "a connection carries at most "
                    + config.maxSubscriptionsPerConnection() + " subscriptions; open another")));
            return;
        }
        Optional<String> revoked = admission.revoked(admitted);
        if (revoked.isPresent()) {
            refuse(Subscriber.UNAUTHORIZED, ErrorCode.UNAUTHORIZED, revoked.get());
            return;
        }
        StreamSubscription subscription = new StreamSubscription(this, id, request, subscribers);
        subscriptions.put(id, subscription);
        try {
            admission.subscribe(subscription, admitted);
        } catch (RuntimeException e) {
            LOG.atError().addKeyValue("table", request.table()).setCause(e).log("subscribing {} to {} failed", id,
                    request.table());
            subscription.refuse(StatusCode.SERVER_ERROR, ErrorCode.UNAVAILABLE, "internal error; retry shortly");
            subscription.leave();
        }
    }

    private void unsubscribe(String id) {
        StreamSubscription subscription = subscriptions.remove(id);
        if (subscription == null) {
            answer(Frames.withId(id, Frames.error(ErrorCode.UNKNOWN_ID, "no subscription " + id + " is open on this connection")));
            return;
        }
        subscription.leave();
        write(Frames.withId(id, Frames.UNSUBSCRIBED));
    }

    @Override
    public void onWebSocketBinary(ByteBuffer payload, org.eclipse.jetty.websocket.api.Callback callback) {
        callback.succeed();
        lastHeardMillis = clock.millis();
        if (principal != null && !closed.get() && !closedIfTooSlow()) {
            answer(Frames.error(ErrorCode.INVALID_FRAME, "frames are JSON text, not binary"));
        }
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason) {
        leave();
    }

    @Override
    public void onWebSocketError(Throwable error) {
        if (!SubscriptionSocket.isClientsAffair(error)) {
            LOG.error("a stream connection failed", error);
        }
        leave();
    }

    boolean isClosed() {
        return closed.get();
    }

    /** The id of the key it was opened with; null for the admin key, or before it was admitted. */
    String keyId() {
        Principal admitted = principal;
        return admitted == null || admitted.admin() ? null : admitted.id();
    }

    boolean silentFor(long millis) {
        return clock.millis() - lastHeardMillis > millis;
    }

    /** A heartbeat, unless frames went out since the last round. */
    void heartbeat(Encoded heartbeat) {
        if (sentSinceHeartbeat) {
            sentSinceHeartbeat = false;
            return;
        }
        core.sendFrame(new Frame(OpCode.TEXT, heartbeat.view()), Callback.NOOP, false);
        sentSinceHeartbeat = false;
    }

    /** A connection-level error frame and the close, after which every subscription on it is gone. */
    void refuse(int code, ErrorCode error, String message) {
        Session s = session;
        if (s == null || !closed.compareAndSet(false, true)) {
            return;
        }
        s.sendText(Frames.error(error, message), org.eclipse.jetty.websocket.api.Callback.NOOP);
        admission.closeSoon(() -> s.close(code, Subscriber.closeReason(message),
                org.eclipse.jetty.websocket.api.Callback.NOOP));
        leave();
    }

    /** A frame of the connection's own, or a subscription's with its id already in it. */
    void write(String frame) {
        sentSinceHeartbeat = true;
        Callback done = counted(Frames.utf8Length(frame), Callback.NOOP);
        session.sendText(frame, org.eclipse.jetty.websocket.api.Callback.from(done::succeeded, done::failed));
    }

    /** An answer to a client's message, left out past twice the bound: a client that does not read cannot pile them up. */
    private void answer(String frame) {
        if (queued.get() <= 2L * limit()) {
            write(frame);
        }
    }

    /** {@code done}, after {@code bytes} are no longer counted as waiting for the client. */
    Callback counted(int bytes, Callback done) {
        if (queued.getAndAdd(bytes) == 0) {
            // Nothing was waiting: the client had read everything, which counts as reading now.
            lastWrittenMillis = clock.millis();
        }
        return Callback.from(() -> {
            queued.addAndGet(-bytes);
            lastWrittenMillis = clock.millis();
            done.succeeded();
        }, failure -> {
            queued.addAndGet(-bytes);
            done.failed(failure);
        });
    }

    private long limit() {
        return (long) MAX_PENDING_PER_CONNECTION * config.maxPendingBytes();
    }

    /**
     * Cuts the connection off when more waits for the client than it may hold and no write to it has
     * completed for RTKV_FANOUT_CLIENT_TIMEOUT_SECONDS; answers whether it did. Asked on each message and in
     * every heartbeat round, on threads that hold no table's lock. The close frame waits behind what is
     * queued, which a client that does not read never reaches, so the connection is then cut.
     */
    boolean closedIfTooSlow() {
        long waiting = queued.get();
        if (waiting <= limit() || clock.millis() - lastWrittenMillis <= config.clientTimeoutSeconds() * 1_000L
                || !closed.compareAndSet(false, true)) {
            return false;
        }
        session.close(StatusCode.TRY_AGAIN_LATER, "too slow: " + waiting + " bytes wait to be read",
                org.eclipse.jetty.websocket.api.Callback.NOOP);
        admission.closeSoon(core::abort);
        leave();
        return true;
    }

    /**
     * The connection is gone: its subscriptions let go of their tables on another thread, since this may
     * run inside Jetty's handling of a failed write, on a thread that holds the lock of another table.
     */
    private void leave() {
        closed.set(true);
        streams.remove(this);
        admission.soon(() -> {
            for (StreamSubscription subscription : subscriptions.values()) {
                subscription.leave();
            }
            subscriptions.clear();
        });
    }

    Session session() {
        return session;
    }

    CoreSession core() {
        return core;
    }

    void sent() {
        sentSinceHeartbeat = true;
    }

    /** Forgets subscription {@code id}, if it is still {@code subscription}: the id is free again. */
    void forget(String id, StreamSubscription subscription) {
        subscriptions.remove(id, subscription);
    }
}
