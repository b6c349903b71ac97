package rtkv.fanout;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Set;
import org.eclipse.jetty.http.pathmap.UriTemplatePathSpec;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.exceptions.WebSocketException;
import org.eclipse.jetty.websocket.server.ServerUpgradeRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import rtkv.schema.JsonText;

/**
 * One WebSocket on {@code /v1/tables/{table}/subscribe}, upgraded by Jetty's own upgrade handler rather
 * than through the servlet layer: a connection keeps only what its admission reads from the upgrade
 * request (the table, the Authorization header, the query), not the request itself, and a subscribe
 * skips the servlet chain. It hands its opening to {@link Admission}, and what the client sends to the
 * {@link Subscriber} it became. Public only because Jetty binds its listener methods through method
 * handles, which must reach the class; nothing outside the package can make one.
 */
public final class SubscriptionSocket implements Session.Listener.AutoDemanding {

    static final String PATH = "/v1/tables/{table}/subscribe";
    private static final UriTemplatePathSpec PATH_SPEC = new UriTemplatePathSpec(PATH);
    private static final Logger LOG = LoggerFactory.getLogger(SubscriptionSocket.class);

    private final String table;
    private final String authorization;
    private final Fields query;
    private final Admission admission;
    private final Set<Subscriber> subscribers;
    private final int heartbeatSeconds;
    private volatile Session session;
    private volatile Subscriber subscriber;

    private SubscriptionSocket(String table, String authorization, Fields query, Admission admission,
                               Set<Subscriber> subscribers, int heartbeatSeconds) {
        this.table = table;
        this.authorization = authorization;
        this.query = query;
        this.admission = admission;
        this.subscribers = subscribers;
        this.heartbeatSeconds = heartbeatSeconds;
    }

    /** For an upgrade request matched by {@link #PATH}. */
    static SubscriptionSocket of(ServerUpgradeRequest request, Admission admission, Set<Subscriber> subscribers,
                                 int heartbeatSeconds) {
        Map<String, String> params = PATH_SPEC.getPathParams(Request.getPathInContext(request));
        String table = params == null ? "" : params.getOrDefault("table", "");
        return new SubscriptionSocket(table, request.getHeaders().get("Authorization"), Request.extractQueryParameters(request),
                admission, subscribers, heartbeatSeconds);
    }

    String table() {
        return table;
    }

    String authorization() {
        return authorization;
    }

    /** The first value of a query parameter, or null. */
    String queryParam(String name) {
        return query.getValue(name);
    }

    Session session() {
        return session;
    }

    String address() {
        return session.getRemoteSocketAddress() instanceof InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress().getHostAddress() : String.valueOf(session.getRemoteSocketAddress());
    }

    /** What the connection became once admitted; its frames go there from now on. */
    void became(Subscriber admitted) {
        this.subscriber = admitted;
    }

    /** Sends a text frame; for a connection refused before it became a subscriber. */
    void send(String frame) {
        session.sendText(frame, Callback.NOOP);
    }

    void close(int code, String reason) {
        session.close(code, reason, Callback.NOOP);
    }

    @Override
    public void onWebSocketOpen(Session opened) {
        this.session = opened;
        admission.connect(this);
    }

    @Override
    public void onWebSocketText(String message) {
        Subscriber s = subscriber;
        if (s != null) {
            s.heard();
            if (!isHeartbeat(message)) {
                s.send(Frames.error("invalid_frame",
                        "a client sends only {\"type\":\"heartbeat\"}, at least every " + heartbeatSeconds + " s"));
            }
        }
    }

    @Override
    public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
        callback.succeed();
        Subscriber s = subscriber;
        if (s != null) {
            s.heard();
            s.send(Frames.error("invalid_frame", "frames are JSON text, not binary"));
        }
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason) {
        leave();
    }

    @Override
    public void onWebSocketError(Throwable error) {
        // A broken connection, or a client breaking the protocol (a frame too large, say), is the client's affair.
        if (!(error instanceof IOException) && !(error instanceof WebSocketException)) {
            LOG.atError().addKeyValue("table", table).setCause(error).log("a subscription to {} failed", table);
        }
        leave();
    }

    private void leave() {
        Subscriber s = subscriber;
        if (s != null) {
            s.gone();
            subscribers.remove(s);
        }
    }

    private static boolean isHeartbeat(String message) {
        if (message.equals(Frames.HEARTBEAT)) {
            return true; // what the clients send, every 10 s each: no parsing
        }
        try {
            return "\"heartbeat\"".equals(JsonText.parseObject(message).get("type"));
        } catch (JsonText.InvalidJsonException e) {
            return false;
        }
    }
}
