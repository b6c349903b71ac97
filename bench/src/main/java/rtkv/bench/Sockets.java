package rtkv.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.OpCode;
import org.eclipse.jetty.websocket.core.client.CoreClientUpgradeRequest;
import org.eclipse.jetty.websocket.core.client.WebSocketCoreClient;

/**
 * The subscribers of a benchmark: thousands of WebSockets to one fanout node, from a few loopback
 * source addresses (a node accepts 1000 connections per address by default, and one address has about
 * 28,000 ephemeral ports), each sending the heartbeat the node expects.
 */
public final class Sockets implements AutoCloseable {

    private static final int PER_ADDRESS = 900;
    static final int HANDSHAKES_IN_FLIGHT = 200;

    /**
     * One subscription; subclasses read the frames. Jetty's core frame API, not its String messages:
     * those are decoded a byte at a time into a StringBuilder, which cost the load generator most of its
     * CPU (two thirds of a core at 10,000 frames a second); the JDK decodes a whole payload at once.
     */
    public abstract static class Socket implements FrameHandler {
        private volatile CoreSession session;
        private volatile String closed;
        /** A text message arriving in fragments, or null; frames of one socket come one at a time. */
        private ByteArrayOutputStream fragments;

        @Override
        public final void onOpen(CoreSession session, Callback callback) {
            this.session = session;
            callback.succeeded();
            session.demand();
        }

        @Override
        public final void onFrame(Frame frame, Callback callback) {
            long nanos = System.nanoTime();
            byte op = frame.getOpCode();
            if (op == OpCode.TEXT || (op == OpCode.CONTINUATION && fragments != null)) {
                if (frame.isFin() && fragments == null) {
                    onFrame(text(frame.getPayload()), nanos);
                } else {
                    if (fragments == null) {
                        fragments = new ByteArrayOutputStream();
                    }
                    ByteBuffer payload = frame.getPayload();
                    if (payload != null) {
                        byte[] bytes = new byte[payload.remaining()];
                        payload.get(bytes);
                        fragments.writeBytes(bytes);
                    }
                    if (frame.isFin()) {
                        String text = fragments.toString(StandardCharsets.UTF_8);
                        fragments = null;
                        onFrame(text, nanos);
                    }
                }
            }
            callback.succeeded();
            session.demand();
        }

        private static String text(ByteBuffer payload) {
            if (payload == null) {
                return "";
            }
            if (payload.hasArray()) {
                return new String(payload.array(), payload.arrayOffset() + payload.position(), payload.remaining(),
                        StandardCharsets.UTF_8);
            }
            byte[] bytes = new byte[payload.remaining()];
            payload.get(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        }

        /** Called on Jetty's thread for each text message, with the time its last frame arrived. */
        protected abstract void onFrame(String frame, long nanos);

        @Override
        public final void onError(Throwable error, Callback callback) {
            // Seen as a close too; the run reports the sockets that dropped.
            callback.succeeded();
        }

        @Override
        public final void onClosed(CloseStatus status, Callback callback) {
            closedWith(status.getCode() + " " + status.getReason());
            callback.succeeded();
        }

        private void refused(Throwable error) {
            closedWith("handshake failed: " + error);
        }

        /** Ends it, unless it has ended already; a stream's end is the end of every subscription on it. */
        void closedWith(String reason) {
            if (closed == null) {
                closed = reason;
            }
        }

        /** Why it closed, or null while open. */
        public final String closed() {
            return closed;
        }

        final void heartbeat() {
            CoreSession s = session;
            if (s != null && s.isOutputOpen()) {
                s.sendFrame(new Frame(OpCode.TEXT, "{\"type\":\"heartbeat\"}"), Callback.NOOP, false);
            }
        }

        public final void close() {
            CoreSession s = session;
            if (s != null) {
                s.close(CloseStatus.NORMAL, "bench over", Callback.NOOP);
            }
        }
    }

    /**
     * One {@code /v1/stream} connection carrying up to {@code perConnection} subscriptions: it hands each
     * frame to its subscription's {@link Socket}, without the id, so a scenario reads the frames of either
     * endpoint the same way.
     */
    private static final class StreamLink extends Socket {
        private final List<Socket> members = new ArrayList<>();
        private CompletableFuture<CoreSession> opening;

        /** The id of the subscription just added. */
        synchronized String add(Socket member) {
            members.add(member);
            return "s" + (members.size() - 1);
        }

        synchronized int size() {
            return members.size();
        }

        @Override
        protected void onFrame(String frame, long nanos) {
            // {"id":"sN","type":...}: the node puts the id first.
            if (!frame.startsWith("{\"id\":\"s")) {
                return;
            }
            int end = frame.indexOf('"', 8);
            Socket member;
            synchronized (this) {
                member = members.get(Integer.parseInt(frame, 8, end, 10));
            }
            String own = "{" + frame.substring(end + 2);
            member.onFrame(own, nanos);
            // On a stream these end the one subscription, which a socket of its own would see as its close.
            if (own.startsWith("{\"type\":\"error\"") || own.startsWith("{\"type\":\"moved\"")) {
                member.closedWith(own);
            }
        }

        synchronized List<Socket> members() {
            return List.copyOf(members);
        }

        @Override
        void closedWith(String reason) {
            super.closedWith(reason);
            List<Socket> all;
            synchronized (this) {
                all = List.copyOf(members);
            }
            all.forEach(m -> m.closedWith("its stream: " + reason));
        }
    }

    private final String fanoutUrl;
    private final String key;
    private final int perConnection;
    private StreamLink filling;
    private final List<WebSocketCoreClient> clients = new ArrayList<>();
    private final Queue<Socket> open = new ConcurrentLinkedQueue<>();
    private final Semaphore handshakes;
    private final QueuedThreadPool threads = new QueuedThreadPool(48, 8);
    private final ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor();
    private int opened;

    /** @param key the API key every subscription sends */
    public Sockets(String fanoutUrl, String key) {
        this(fanoutUrl, key, HANDSHAKES_IN_FLIGHT);
    }

    /** @param handshakesInFlight how many subscriptions may be opening at once; more wait in {@link #subscribe} */
    public Sockets(String fanoutUrl, String key, int handshakesInFlight) {
        this(fanoutUrl, key, handshakesInFlight, 0);
    }

    /**
     * @param handshakesInFlight how many subscriptions may be opening at once; more wait in {@link #subscribe}
     * @param perConnection      0 for a WebSocket per subscription on the one-table address, or how many
     *                           subscriptions share each {@code /v1/stream} connection
     */
    public Sockets(String fanoutUrl, String key, int handshakesInFlight, int perConnection) {
        this.fanoutUrl = fanoutUrl;
        this.key = key;
        this.perConnection = perConnection;
        this.handshakes = new Semaphore(handshakesInFlight);
        // A tenth of the sockets each second, so each beats every 10 s and the node is not sent 10,000 at once.
        heartbeats.scheduleAtFixedRate(new Runnable() {
            private long tick;

            @Override
            public void run() {
                int group = (int) (tick++ % 10);
                int i = 0;
                for (Socket socket : open) {
                    if (i++ % 10 == group) {
                        socket.heartbeat();
                    }
                }
            }
        }, 1, 1, TimeUnit.SECONDS);
    }

    /**
     * Subscribes {@code socket} to {@code table}; blocks while too many handshakes are in flight, so the
     * node sees a steady stream of them rather than a wall.
     *
     * @param query the subscription's query string without "?", or empty
     */
    public CompletableFuture<CoreSession> subscribe(Socket socket, String table, String query) throws Exception {
        if (perConnection > 0) {
            return subscribeOnStream(socket, table, query);
        }
        return connect(socket, URI.create(fanoutUrl + "/v1/tables/" + table + "/subscribe"
                + (query.isEmpty() ? "" : "?" + query)));
    }

    /** The same subscription as a message on a shared {@code /v1/stream} connection, opened when the last is full. */
    private CompletableFuture<CoreSession> subscribeOnStream(Socket socket, String table, String query) throws Exception {
        StreamLink link;
        String id;
        synchronized (this) {
            if (filling == null || filling.size() >= perConnection || filling.closed() != null) {
                filling = new StreamLink();
                filling.opening = connect(filling, URI.create(fanoutUrl + "/v1/stream"));
            }
            link = filling;
            id = link.add(socket);
        }
        StringBuilder message = new StringBuilder("{\"type\":\"subscribe\",\"id\":\"").append(id)
                .append("\",\"table\":\"").append(table).append('"');
        for (String pair : query.isEmpty() ? new String[0] : query.split("&")) {
            String[] option = pair.split("=", 2);
            // conflate is a number; the others (only, prefix, resume) are strings, and the bench sends none with quotes.
            message.append(",\"").append(option[0]).append("\":").append(option[0].equals("conflate") ? option[1]
                    : "\"" + option[1] + "\"");
        }
        String subscribe = message.append('}').toString();
        return link.opening.thenApply(session -> {
            session.sendFrame(new Frame(OpCode.TEXT, subscribe), Callback.NOOP, false);
            return session;
        });
    }

    private CompletableFuture<CoreSession> connect(Socket socket, URI uri) throws Exception {
        WebSocketCoreClient client;
        synchronized (this) {
            // Callers may subscribe from many threads: the count and the clients are this lock's.
            client = client(opened++ / PER_ADDRESS);
        }
        CoreClientUpgradeRequest request = CoreClientUpgradeRequest.from(client, uri, socket);
        request.headers(headers -> headers.put("Authorization", "Bearer " + key));
        // What every browser offers; a node that accepted it would be measured as browsers meet it.
        request.addExtensions("permessage-deflate");
        handshakes.acquire();
        open.add(socket);
        try {
            return client.connect(request).whenComplete((session, error) -> {
                handshakes.release();
                if (error != null) {
                    socket.refused(error);
                }
            });
        } catch (IOException | RuntimeException e) {
            handshakes.release();
            throw e;
        }
    }

    private synchronized WebSocketCoreClient client(int index) throws Exception {
        if (!threads.isStarted()) {
            threads.start();
        }
        while (clients.size() <= index) {
            org.eclipse.jetty.client.HttpClient http = new org.eclipse.jetty.client.HttpClient();
            // Started already, so the clients use it without owning it: one pool for all, not 200 threads each.
            http.setExecutor(threads);
            http.setBindAddress(new InetSocketAddress("127.0.0." + (2 + clients.size()), 0));
            WebSocketCoreClient ws = new WebSocketCoreClient(http, null);
            ws.start();
            clients.add(ws);
        }
        return clients.get(index);
    }

    /** How many of the sockets subscribed so far have closed. */
    public long closedCount() {
        return open.stream().flatMap(s -> s instanceof StreamLink link ? link.members().stream() : java.util.stream.Stream.of(s))
                .filter(s -> s.closed() != null).count();
    }

    @Override
    public synchronized void close() throws Exception {
        heartbeats.shutdownNow();
        open.forEach(Socket::close);
        for (WebSocketCoreClient ws : clients) {
            ws.stop();
        }
        threads.stop();
    }
}
