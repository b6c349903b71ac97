package rtkv.client;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The {@code /v1/stream} connections of one {@link RtkvClient}: one per fanout node its subscriptions need,
 * opened on the first subscription there and closed a moment after the last one ends. A second connection
 * to a node is opened only when the node says the first carries as many subscriptions as it allows.
 */
final class Streams implements Carrier {

    /** How long a connection with no subscription stays open, for one that moves back or is opened again. */
    static final Duration LINGER = Duration.ofSeconds(2);

    private final Settings settings;
    private final ScheduledExecutorService timers;
    private final Map<String, List<StreamConnection>> byNode = new HashMap<>();
    private boolean closed;

    /** How every connection of a client connects, and when it takes its node for dead. */
    record Settings(HttpClient http, String apiKey, Duration connectTimeout, Duration heartbeat, Duration deadAfter) {
    }

    Streams(Settings settings, ScheduledExecutorService timers) {
        this.settings = settings;
        this.timers = timers;
    }

    @Override
    public ScheduledExecutorService timers() {
        return timers;
    }

    @Override
    public void closeOwned() {
        // shared: closed with its client
    }

    @Override
    public Attempt open(Request request, Sink sink) {
        NodeAddress.stream(request.node()); // an address that is no URI fails here, before any connection
        while (true) {
            StreamConnection connection = connectionTo(request.node());
            Attempt attempt = connection.attach(request, sink);
            if (attempt != null) {
                return attempt;
            }
            forget(connection); // it ended, or filled up, between the lookup and the attach
        }
    }

    private synchronized StreamConnection connectionTo(String node) {
        if (closed) {
            throw new IllegalStateException("the rtkv client is closed");
        }
        List<StreamConnection> connections = byNode.computeIfAbsent(node, n -> new ArrayList<>());
        for (StreamConnection connection : connections) {
            if (connection.takes()) {
                return connection;
            }
        }
        StreamConnection connection = new StreamConnection(this, node, settings);
        connection.connect(); // kept only once it started
        connections.add(connection);
        return connection;
    }

    /** A connection that ended is no longer handed out; a full one stays, and is skipped. */
    synchronized void forget(StreamConnection connection) {
        List<StreamConnection> connections = byNode.get(connection.node());
        if (connections != null && connection.isOver()) {
            connections.remove(connection);
            if (connections.isEmpty()) {
                byNode.remove(connection.node());
            }
        }
    }

    /** How many connections are open or opening: for tests, and for an app that wants to know. */
    synchronized int connections() {
        return byNode.values().stream().mapToInt(List::size).sum();
    }

    /** Ends every connection; a subscription still on one hears that, and stops, for the client is closed. */
    void close() {
        List<StreamConnection> all = new ArrayList<>();
        synchronized (this) {
            closed = true;
            byNode.values().forEach(all::addAll);
            byNode.clear();
        }
        all.forEach(StreamConnection::lost);
    }

    @Override
    public synchronized boolean isClosed() {
        return closed;
    }
}
