package rtkv.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

/**
 * One {@code /v1/stream} connection to a fanout node, shared by the subscriptions a client has there. Each
 * attach is a subscription with an id of its own, never reused on the connection, so a frame that arrives
 * after its subscription ended (or was moved) finds nobody and is dropped. A {@code moved} or an
 * {@code error} with an id ends that subscription alone; the end of the connection ends them all.
 * Heartbeats and the watchdog are the connection's.
 */
final class StreamConnection {

    private static final System.Logger LOG = System.getLogger(StreamConnection.class.getName());

    private final Streams owner;
    private final String node;
    private final Streams.Settings settings;
    private final Map<String, Attached> attached = new HashMap<>();
    private long lastId;
    private boolean over;
    private boolean full;
    // Messages go out one after another: the JDK's WebSocket refuses a send while one is outstanding.
    private CompletableFuture<WebSocket> sending;
    private WebSocket socket;
    private ScheduledFuture<?> beating;
    private ScheduledFuture<?> watchdog;
    private ScheduledFuture<?> lingering;

    /** A subscription on the connection; {@code unanswered} runs out if the node never says a word of it. */
    private record Attached(Carrier.Sink sink, ScheduledFuture<?> unanswered) {
    }

    StreamConnection(Streams owner, String node, Streams.Settings settings) {
        this.owner = owner;
        this.node = node;
        this.settings = settings;
    }

    String node() {
        return node;
    }

    synchronized boolean isOver() {
        return over;
    }

    /** Whether a subscription may be attached: the connection lives and the node has not said it is full. */
    synchronized boolean takes() {
        return !over && !full;
    }

    /** @throws RuntimeException when the connection cannot even be started (the caller does not keep it) */
    synchronized void connect() {
        WebSocket.Builder builder = settings.http().newWebSocketBuilder().connectTimeout(settings.connectTimeout());
        if (settings.apiKey() != null) {
            builder.header("Authorization", "Bearer " + settings.apiKey());
        }
        sending = builder.buildAsync(NodeAddress.stream(node), new FrameReader(this::received, this::lost));
        // Off this thread: a future already done would run its action here, under this lock.
        sending.whenCompleteAsync((ws, error) -> {
            if (error != null) {
                lost();
            } else {
                opened(ws);
            }
        }, owner.timers());
    }

    /** Subscribes on this connection; null when it can take no more (ended, or full). */
    synchronized Carrier.Attempt attach(Carrier.Request request, Carrier.Sink sink) {
        if (over || full) {
            return null;
        }
        if (lingering != null) {
            lingering.cancel(false);
            lingering = null;
        }
        String id = "s" + ++lastId;
        // A subscribe the node does not answer (it leaves answers out while this connection is far behind
        // in reading) would otherwise wait for ever on a connection that is alive.
        attached.put(id, new Attached(sink, Timers.schedule(owner.timers(), () -> unanswered(id), settings.deadAfter(),
                false)));
        send(subscribe(id, request));
        return new Carrier.Attempt() {
            @Override
            public void drop() {
                lost();
            }

            @Override
            public void close() {
                detach(id);
            }
        };
    }

    private static String subscribe(String id, Carrier.Request request) {
        ObjectNode message = Frames.JSON.createObjectNode().put("type", "subscribe").put("id", id)
                .put("table", request.table());
        NodeAddress.Options options = request.options();
        if (options.only() != null) {
            message.put("only", options.only());
        }
        if (options.prefix() != null) {
            message.put("prefix", options.prefix());
        }
        if (request.token() != null) {
            message.put("resume", request.token());
        }
        if (!options.conflate().isZero()) {
            message.put("conflate", options.conflate().toMillis());
        }
        return message.toString();
    }

    /** The app closed the subscription: the node is told, and nothing more of it is delivered. */
    private synchronized void detach(String id) {
        Attached gone = attached.remove(id);
        if (gone != null && !over) {
            cancel(gone.unanswered());
            full = false;
            send("{\"type\":\"unsubscribe\",\"id\":\"" + id + "\"}");
            lingerIfEmpty();
        }
    }

    private void unanswered(String id) {
        Attached gone;
        synchronized (this) {
            gone = attached.remove(id);
            if (gone == null || over) {
                return;
            }
            send("{\"type\":\"unsubscribe\",\"id\":\"" + id + "\"}");
            lingerIfEmpty();
        }
        gone.sink().ended();
    }

    private void lingerIfEmpty() {
        if (attached.isEmpty() && lingering == null) {
            lingering = Timers.schedule(owner.timers(), this::closeIfEmpty, Streams.LINGER, false);
        }
    }

    private void closeIfEmpty() {
        synchronized (this) {
            lingering = null;
            if (!attached.isEmpty() || over) {
                return;
            }
            end(); // in the same hold of the lock as the look, so nothing attaches in between
        }
        owner.forget(this);
    }

    private synchronized void opened(WebSocket ws) {
        if (over) {
            ws.abort();
            return;
        }
        socket = ws;
        beating = Timers.schedule(owner.timers(), () -> send(Frames.HEARTBEAT), settings.heartbeat(), true);
        awake();
    }

    private synchronized void awake() {
        cancel(watchdog);
        if (!over) {
            watchdog = Timers.schedule(owner.timers(), this::lost, settings.deadAfter(), false);
        }
    }

    private void received(String text) {
        awake();
        JsonNode frame = Frames.parseOrNull(text);
        if (frame == null) {
            return;
        }
        String type = frame.path("type").asText();
        String id = frame.path("id").asText(null);
        if (id == null) {
            if (type.equals("error") && frame.path("error").asText().equals("unauthorized")) {
                // The connection's key was revoked or has expired: every subscription on it hears it.
                everyone().forEach(sink -> deliver(sink, text, frame));
            }
            return;
        }
        boolean ends = type.equals("moved") || type.equals("error");
        Attached to;
        synchronized (this) {
            to = ends ? attached.remove(id) : attached.get(id);
            if (to == null) {
                return;
            }
            cancel(to.unanswered());
            if (ends) {
                // A refused subscribe took no place; any other end gave one back.
                full = frame.path("error").asText().equals("too_many_subscriptions");
                lingerIfEmpty();
            }
        }
        deliver(to.sink(), text, frame);
        if (ends) {
            to.sink().ended();
        }
    }

    /** One subscription's failure stays its own: an exception here would close the connection of them all. */
    private static void deliver(Carrier.Sink sink, String text, JsonNode frame) {
        try {
            sink.frame(text, frame);
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) {
            LOG.log(System.Logger.Level.ERROR, "rtkv: applying a frame failed: " + text, e);
        }
    }

    private synchronized List<Carrier.Sink> everyone() {
        List<Carrier.Sink> sinks = new ArrayList<>();
        attached.values().forEach(a -> sinks.add(a.sink()));
        return sinks;
    }

    /**
     * The connection is gone, or its client closed it: every subscription still on it is told once, and it
     * is handed out no more.
     */
    void lost() {
        List<Carrier.Sink> sinks;
        synchronized (this) {
            if (over) {
                return;
            }
            sinks = everyone();
            end();
        }
        owner.forget(this);
        sinks.forEach(Carrier.Sink::ended);
    }

    private void end() {
        over = true;
        attached.values().forEach(a -> cancel(a.unanswered()));
        attached.clear();
        cancel(beating);
        cancel(watchdog);
        cancel(lingering);
        WebSocket ws = socket;
        if (ws != null) {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").exceptionally(e -> null);
            ws.abort();
        } else if (sending != null) {
            sending.thenAccept(WebSocket::abort);
        }
    }

    private static void cancel(ScheduledFuture<?> timer) {
        if (timer != null) {
            timer.cancel(false);
        }
    }

    private synchronized void send(String message) {
        sending = sending.thenCompose(ws -> ws.sendText(message, true));
        sending.whenCompleteAsync((ws, error) -> {
            if (error != null) {
                lost();
            }
        }, owner.timers());
    }
}
