package rtkv.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The one-table address, {@code /v1/tables/{table}/subscribe}: a WebSocket per attempt, with its own
 * heartbeats and watchdog. The server ends a subscription there by closing the socket, so the end of the
 * socket is the end of the attempt. It owns its timer thread, one per subscription.
 */
final class TableSocket implements Carrier {

    private final HttpClient http;
    private final String apiKey;
    private final Duration heartbeat;
    private final Duration deadAfter;
    private final ScheduledExecutorService timers;

    TableSocket(HttpClient http, String apiKey, Duration heartbeat, Duration deadAfter, String table) {
        this.http = http;
        this.apiKey = apiKey;
        this.heartbeat = heartbeat;
        this.deadAfter = deadAfter;
        this.timers = Timers.daemon("rtkv-subscription-" + table);
    }

    @Override
    public ScheduledExecutorService timers() {
        return timers;
    }

    @Override
    public void closeOwned() {
        timers.shutdownNow();
    }

    @Override
    public boolean isClosed() {
        return timers.isShutdown();
    }

    @Override
    public Attempt open(Request request, Sink sink) {
        URI uri = NodeAddress.subscribe(request.node(), request.table(), request.token(), request.options());
        Socket socket = new Socket(sink);
        WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
        if (apiKey != null) {
            builder.header("Authorization", "Bearer " + apiKey);
        }
        builder.buildAsync(uri, new FrameReader(socket::received, socket::lost)).whenComplete((ws, error) -> {
            if (error != null) {
                socket.lost();
            } else {
                socket.opened(ws);
            }
        });
        return socket;
    }

    /** One socket: reports its end once, however many ways the end is noticed. */
    private final class Socket implements Attempt {
        private final Sink sink;
        private final AtomicBoolean over = new AtomicBoolean();
        private WebSocket ws;
        private ScheduledFuture<?> beating;
        private ScheduledFuture<?> watchdog;

        Socket(Sink sink) {
            this.sink = sink;
        }

        synchronized void opened(WebSocket opened) {
            if (over.get()) {
                opened.abort();
                return;
            }
            ws = opened;
            beating = Timers.schedule(timers, () -> opened.sendText(Frames.HEARTBEAT, true), heartbeat, true);
            awake();
        }

        private synchronized void awake() {
            if (watchdog != null) {
                watchdog.cancel(false);
            }
            if (!over.get()) {
                watchdog = Timers.schedule(timers, this::drop, deadAfter, false);
            }
        }

        void received(String text) {
            awake();
            JsonNode frame = Frames.parseOrNull(text);
            if (frame == null) {
                return;
            }
            if (!over.get()) {
                sink.frame(text, frame);
            }
        }

        void lost() {
            if (end()) {
                sink.ended();
            }
        }

        @Override
        public void drop() {
            WebSocket current;
            synchronized (this) {
                current = ws;
            }
            if (current != null) {
                // An aborted socket reports nothing more, so the loss is reported here.
                current.abort();
            }
            lost();
        }

        @Override
        public void close() {
            WebSocket current;
            synchronized (this) {
                current = ws;
            }
            end();
            if (current != null) {
                current.sendClose(WebSocket.NORMAL_CLOSURE, "bye").exceptionally(e -> null);
                current.abort();
            }
        }

        private synchronized boolean end() {
            if (!over.compareAndSet(false, true)) {
                return false;
            }
            if (beating != null) {
                beating.cancel(false);
            }
            if (watchdog != null) {
                watchdog.cancel(false);
            }
            return true;
        }
    }
}
