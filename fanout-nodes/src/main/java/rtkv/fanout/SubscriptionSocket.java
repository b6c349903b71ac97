package rtkv.fanout;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.pathmap.UriTemplatePathSpec;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.UrlEncoded;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.exceptions.WebSocketException;
import org.eclipse.jetty.websocket.server.ServerUpgradeRequest;
import org.eclipse.jetty.websocket.server.ServerUpgradeResponse;
import org.eclipse.jetty.websocket.server.ServerWebSocketContainer;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import rtkv.schema.ErrorCode;
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
    /** With a trailing slash too, as Javalin's routes take it. */
    static final List<UriTemplatePathSpec> PATH_SPECS =
            List.of(new UriTemplatePathSpec(PATH), new UriTemplatePathSpec(PATH + "/"));
    private static final Logger LOG = LoggerFactory.getLogger(SubscriptionSocket.class);

    private final String table;
    private final String authorization;
    private final Fields query;
    private final String address;
    private final Admission admission;
    private final Set<Subscriber> subscribers;
    private final int heartbeatSeconds;
    private volatile Session session;
    private volatile Subscriber subscriber;

    private SubscriptionSocket(String table, String authorization, Fields query, String address, Admission admission,
                               Set<Subscriber> subscribers, int heartbeatSeconds) {
        this.table = table;
        this.authorization = authorization;
        this.query = query;
        this.address = address;
        this.admission = admission;
        this.subscribers = subscribers;
        this.heartbeatSeconds = heartbeatSeconds;
    }

    /**
     * For an upgrade request matched by {@link #PATH_SPECS}. A client that offers subprotocols gets its
     * first one back, as the servlet layer answered: some clients fail a handshake that selects none.
     * Extensions are declined. Every browser offers permessage-deflate, and accepted it costs each
     * subscriber a zlib context outside the heap (81-110 KB more resident memory, measured) and a
     * compression of every frame it is sent, where otherwise a change is encoded once for all its
     * subscribers (1.6-1.8x the node's CPU per frame at the seed's load); the frames are a few hundred
     * bytes.
     */
    static SubscriptionSocket of(ServerUpgradeRequest request, ServerUpgradeResponse response, Admission admission,
                                 Set<Subscriber> subscribers, int heartbeatSeconds) {
        negotiate(request, response);
        String path = Request.getPathInContext(request);
        String table = PATH_SPECS.stream().map(spec -> spec.getPathParams(path)).filter(Objects::nonNull)
                .map(params -> params.getOrDefault("table", "")).findFirst().orElse("");
        return new SubscriptionSocket(table, request.getHeaders().get("Authorization"), Request.extractQueryParameters(request),
                addressOf(request), admission, subscribers, heartbeatSeconds);
    }

    /** The handshake's answer on every subscription address: the first subprotocol offered, no extension. */
    static void negotiate(ServerUpgradeRequest request, ServerUpgradeResponse response) {
        response.setExtensions(List.of());
        if (!request.getSubProtocols().isEmpty()) {
            response.setAcceptedSubProtocol(request.getSubProtocols().get(0));
        }
    }

    /** A broken connection, or a client breaking the protocol (a frame too large, say): nothing to log. */
    static boolean isClientsAffair(Throwable error) {
        return error instanceof IOException || error instanceof WebSocketException;
    }

    /**
     * The client's address, as the per-address limits count it: the upgrade request's, which is the
     * address behind a trusted proxy (rtkv.edge.TrustedProxies) when one forwarded it.
     */
    static String addressOf(Request request) {
        return Request.getRemoteAddr(request);
    }

    /**
     * Jetty's upgrade handler for {@code configurator}'s mappings. A handshake whose query is not valid
     * percent-encoded UTF-8 is refused with a 400 before Jetty parses the query for the handshake, which
     * would answer 500 for a client's mistake.
     */
    static WebSocketUpgradeHandler upgradeHandler(Server server, Consumer<ServerWebSocketContainer> configurator) {
        return new WebSocketUpgradeHandler(ServerWebSocketContainer.ensure(server), configurator) {
            @Override
            protected boolean handle(ServerWebSocketContainer container, Request request, Response response,
                                     org.eclipse.jetty.util.Callback callback) {
                String query = request.getHttpURI().getQuery();
                if (query != null && request.getHeaders().contains(HttpHeader.UPGRADE)) {
                    try {
                        // The decoding Jetty's handshake uses, stricter than Request.extractQueryParameters.
                        UrlEncoded.decodeUtf8To(query, new Fields());
                    } catch (RuntimeException e) {
                        Response.writeError(request, response, callback, 400, "the query string is not valid percent-encoded UTF-8");
                        return true;
                    }
                }
                return super.handle(container, request, response, callback);
            }
        };
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
        return address;
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
        try {
            admission.connect(this);
        } catch (RuntimeException e) {
            // Jetty would wrap it in a WebSocketException, log it at debug and close with its own class names.
            LOG.atError().addKeyValue("table", table).setCause(e).log("admitting a subscriber to {} failed", table);
            leave();
            close(1011, "internal error; retry shortly");
        }
    }

    @Override
    public void onWebSocketText(String message) {
        Subscriber s = subscriber;
        if (s != null) {
            s.heard();
            if (!isHeartbeat(message)) {
                s.send(Frames.error(ErrorCode.INVALID_FRAME,
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
            s.send(Frames.error(ErrorCode.INVALID_FRAME, "frames are JSON text, not binary"));
        }
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason) {
        leave();
    }

    @Override
    public void onWebSocketError(Throwable error) {
        if (!isClientsAffair(error)) {
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
