package rtkv.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.common.WebSocketSession;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.OpCode;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * The fan-out's same-run baseline ({@code ./rtkv bench tables --baseline bare}): a minimal Jetty WebSocket
 * server that takes the bench's writes over HTTP and sends each as a change frame, encoded once, to every
 * socket of its table, through the same Jetty API the fanout node writes with. No Kafka, no state, no
 * checks, no heartbeats: what is left is the cost of a socket write through Jetty on this host.
 *
 * <p>Run as its own process, {@code BareBroadcaster PORT}, so its CPU is measured apart from the load
 * generator's; it prints {@code listening on PORT} once it serves.
 */
public final class BareBroadcaster {

    private static final Pattern SUBSCRIBE = Pattern.compile("/v1/tables/([^/]+)/subscribe");
    private static final Pattern KEY = Pattern.compile("/v1/tables/([^/]+)/keys/([^/]+)");
    private static final Pattern WRITE = Pattern.compile("\\{\"w\":(\\d+)}");
    /** As long as a fanout node's token, so the frames are the same size. */
    private static final String TOKEN = "1.bareBroadcasterTopic0.0.";

    private final Map<String, List<CoreSession>> tables = new ConcurrentHashMap<>();

    public static void main(String[] args) throws Exception {
        // Started by the bench: it must not outlive it, even when the bench is killed.
        ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() -> System.exit(0)));
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(args.length > 0 ? Integer.parseInt(args[0]) : 0);
        server.addConnector(connector);
        BareBroadcaster bare = new BareBroadcaster();
        WebSocketUpgradeHandler ws = WebSocketUpgradeHandler.from(server, container ->
                container.addMapping("^/v1/tables/[^/]+/subscribe$", (request, response, callback) -> {
                    // As the fanout node does: the bench's subscribers offer compression, as browsers do.
                    response.setExtensions(List.of());
                    Matcher m = SUBSCRIBE.matcher(request.getHttpURI().getPath());
                    return m.matches() ? new Subscriber(bare.tables, m.group(1)) : null;
                }));
        ws.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                return bare.write(request, response, callback);
            }
        });
        server.setHandler(ws);
        server.start();
        System.out.println("listening on " + connector.getLocalPort());
        System.out.flush();
        server.join();
    }

    /**
     * A socket of one table: a snapshot-like frame that says it is live, then the table's changes. Public,
     * as Jetty calls its listener methods through method handles.
     */
    public static final class Subscriber implements Session.Listener.AutoDemanding {
        private final Map<String, List<CoreSession>> tables;
        private final String table;
        private CoreSession core;

        Subscriber(Map<String, List<CoreSession>> tables, String table) {
            this.tables = tables;
            this.table = table;
        }

        @Override
        public void onWebSocketOpen(Session session) {
            core = ((WebSocketSession) session).getCoreSession();
            tables.computeIfAbsent(table, t -> new CopyOnWriteArrayList<>()).add(core);
            core.sendFrame(new Frame(OpCode.TEXT, "{\"type\":\"snapshot\",\"entries\":[],\"last\":true,\"token\":\"" + TOKEN
                    + "0.0.0\"}"), org.eclipse.jetty.util.Callback.NOOP, false);
        }

        @Override
        public void onWebSocketClose(int statusCode, String reason) {
            List<CoreSession> sockets = tables.get(table);
            if (sockets != null) {
                sockets.remove(core);
            }
        }
    }

    /** {@code PUT /v1/tables/T/keys/K} with {@code {"w":N}}: sent to T's sockets before the answer. */
    private boolean write(Request request, Response response, Callback callback) throws Exception {
        Matcher key = KEY.matcher(request.getHttpURI().getPath());
        if (!key.matches() || !request.getMethod().equals("PUT")) {
            Response.writeError(request, response, callback, 404);
            return true;
        }
        String body = Content.Source.asString(request, StandardCharsets.UTF_8);
        Matcher w = WRITE.matcher(body);
        if (!w.matches()) {
            Response.writeError(request, response, callback, 400);
            return true;
        }
        // The write's number is its version: a key's writes are numbered in the order they are sent.
        String n = w.group(1);
        ByteBuffer frame = ByteBuffer.wrap(("{\"type\":\"change\",\"op\":\"put\",\"key\":\"" + key.group(2)
                + "\",\"value\":{\"w\":" + n + "},\"version\":" + n + ",\"expiresAt\":null,\"token\":\"" + TOKEN + n
                + ".0." + n + "\"}").getBytes(StandardCharsets.UTF_8)).asReadOnlyBuffer();
        for (CoreSession socket : tables.getOrDefault(key.group(1), List.of())) {
            socket.sendFrame(new Frame(OpCode.TEXT, frame.duplicate()), org.eclipse.jetty.util.Callback.NOOP, false);
        }
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap("{}".getBytes(StandardCharsets.UTF_8)), callback);
        return true;
    }
}
