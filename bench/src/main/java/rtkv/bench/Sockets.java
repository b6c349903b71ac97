package rtkv.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.eclipse.jetty.websocket.client.WebSocketClient;

/**
 * The subscribers of a benchmark: thousands of WebSockets to one fanout node, from a few loopback
 * source addresses (a node accepts 1000 connections per address by default, and one address has about
 * 28,000 ephemeral ports), each sending the heartbeat the node expects.
 */
final class Sockets implements AutoCloseable {

    private static final int PER_ADDRESS = 900;
    private static final int HANDSHAKES_IN_FLIGHT = 200;

    /** One subscription; subclasses read the frames. Public: Jetty finds the methods by reflection. */
    public abstract static class Socket implements Session.Listener.AutoDemanding {
        private volatile Session session;
        private volatile String closed;

        @Override
        public final void onWebSocketOpen(Session session) {
            this.session = session;
        }

        @Override
        public final void onWebSocketText(String frame) {
            onFrame(frame, System.nanoTime());
        }

        /** Called on Jetty's thread for each text frame, with the time it arrived. */
        abstract void onFrame(String frame, long nanos);

        @Override
        public final void onWebSocketError(Throwable error) {
            // Seen as a close too; the run reports the sockets that dropped.
        }

        @Override
        public final void onWebSocketClose(int status, String reason) {
            closed = status + " " + reason;
        }

        private void refused(Throwable error) {
            if (closed == null) {
                closed = "handshake failed: " + error;
            }
        }

        /** Why it closed, or null while open. */
        final String closed() {
            return closed;
        }

        final void heartbeat() {
            Session s = session;
            if (s != null && s.isOpen()) {
                s.sendText("{\"type\":\"heartbeat\"}", Callback.NOOP);
            }
        }

        final void close() {
            Session s = session;
            if (s != null) {
                s.close();
            }
        }
    }

    private final String fanoutUrl;
    private final String key;
    private final List<WebSocketClient> clients = new ArrayList<>();
    private final Queue<Socket> open = new ConcurrentLinkedQueue<>();
    private final Semaphore handshakes = new Semaphore(HANDSHAKES_IN_FLIGHT);
    private final QueuedThreadPool threads = new QueuedThreadPool(48, 8);
    private final ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor();
    private int opened;

    /** @param key the API key every subscription sends */
    Sockets(String fanoutUrl, String key) {
        this.fanoutUrl = fanoutUrl;
        this.key = key;
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
    CompletableFuture<Session> subscribe(Socket socket, String table, String query) throws Exception {
        WebSocketClient client = client(opened++ / PER_ADDRESS);
        ClientUpgradeRequest request = new ClientUpgradeRequest();
        request.setHeader("Authorization", "Bearer " + key);
        URI uri = URI.create(fanoutUrl + "/v1/tables/" + table + "/subscribe" + (query.isEmpty() ? "" : "?" + query));
        handshakes.acquire();
        open.add(socket);
        try {
            return client.connect(socket, uri, request).whenComplete((session, error) -> {
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

    private WebSocketClient client(int index) throws Exception {
        if (!threads.isStarted()) {
            threads.start();
        }
        while (clients.size() <= index) {
            org.eclipse.jetty.client.HttpClient http = new org.eclipse.jetty.client.HttpClient();
            // Started already, so the clients use it without owning it: one pool for all, not 200 threads each.
            http.setExecutor(threads);
            http.setBindAddress(new InetSocketAddress("127.0.0." + (2 + clients.size()), 0));
            WebSocketClient ws = new WebSocketClient(http);
            ws.start();
            clients.add(ws);
        }
        return clients.get(index);
    }

    /** How many of the sockets subscribed so far have closed. */
    long closedCount() {
        return open.stream().filter(s -> s.closed() != null).count();
    }

    @Override
    public void close() throws Exception {
        heartbeats.shutdownNow();
        open.forEach(Socket::close);
        for (WebSocketClient ws : clients) {
            ws.stop();
        }
        threads.stop();
    }
}
