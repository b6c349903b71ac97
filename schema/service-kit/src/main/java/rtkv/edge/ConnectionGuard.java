package rtkv.edge;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Limits what one client address can hold: at most {@code maxPerAddress} open connections (more are
 * closed as soon as they are accepted), and each connection must send the headers of its first request
 * within the handshake timeout or it is closed; while the server has work waiting for a thread, the
 * check waits too, since an unread request is then the server's delay, not the client's, but not past
 * four timeouts in all. Works on sockets, not on Jetty's connections: a TLS socket carries two
 * connections, and a WebSocket upgrade replaces a socket's connection without opening a new socket.
 */
final class ConnectionGuard implements Connection.Listener {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);
    private static final long LOG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** Times the handshake check waits for a busy server: a connection gets four timeouts at most. */
    static final int MAX_DEFERRALS = 3;

    /** One accepted socket. */
    private static final class Socket {
        final InetAddress address;
        /** Connections that spoke HTTP or WebSocket on it; a second one means it was upgraded. */
        final AtomicInteger applicationConnections = new AtomicInteger();

        Socket(InetAddress address) {
            this.address = address;
        }
    }

    private final Connector connector;
    private final int maxPerAddress;
    /** Trusted proxies carry many clients' connections: their own count has no cap here. */
    private final Predicate<InetAddress> uncapped;
    private final long handshakeMillis;
    private final Map<EndPoint, Socket> sockets = new ConcurrentHashMap<>();
    private final Map<InetAddress, Integer> perAddress = new ConcurrentHashMap<>();
    private final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);

    ConnectionGuard(Connector connector, int maxPerAddress, long handshakeMillis, Predicate<InetAddress> uncapped) {
        this.connector = connector;
        this.maxPerAddress = maxPerAddress;
        this.uncapped = uncapped;
        this.handshakeMillis = handshakeMillis;
    }

    /**
     * A socket is counted by the connection that sits on it directly (HTTP, or TLS under HTTP), and only
     * when it is new to us: an upgrade replaces that connection on the same socket, and the HTTP
     * connection inside TLS sits on the decrypted end point, never on the socket.
     */
    @Override
    public void onOpened(Connection connection) {
        EndPoint network = networkEndPoint(connection.getEndPoint());
        Socket socket = sockets.get(network);
        if (socket == null && connection.getEndPoint() == network) {
            socket = accepted(network);
        }
        if (socket != null && !(connection instanceof SslConnection)) {
            socket.applicationConnections.incrementAndGet();
        }
    }

    @Override
    public void onClosed(Connection connection) {
        EndPoint network = connection.getEndPoint();
        if (network != networkEndPoint(network) || network.isOpen()) {
            return; // the inner connection of a TLS socket, or one replaced by an upgrade: the socket is still there
        }
        Socket socket = sockets.remove(network);
        if (socket != null) {
            perAddress.computeIfPresent(socket.address, (address, open) -> open <= 1 ? null : open - 1);
        }
    }

    private Socket accepted(EndPoint network) {
        SocketAddress remote = network.getRemoteSocketAddress();
        if (!(remote instanceof InetSocketAddress inet) || inet.getAddress() == null) {
            return null;
        }
        Socket socket = new Socket(inet.getAddress());
        if (sockets.putIfAbsent(network, socket) != null) {
            return sockets.get(network);
        }
        int open = perAddress.merge(socket.address, 1, Integer::sum);
        if (open > maxPerAddress && !uncapped.test(socket.address)) {
            warn("closed a connection from {}: it already has {} open, the limit (RTKV_MAX_CONNECTIONS_PER_ADDRESS)",
                    socket.address.getHostAddress(), maxPerAddress);
            network.close();
            return null;
        }
        checkHandshakeLater(network, socket, MAX_DEFERRALS);
        return socket;
    }

    private void checkHandshakeLater(EndPoint network, Socket socket, int deferralsLeft) {
        connector.getScheduler().schedule(() -> checkHandshake(network, socket, deferralsLeft), handshakeMillis,
                TimeUnit.MILLISECONDS);
    }

    private void checkHandshake(EndPoint network, Socket socket, int deferralsLeft) {
        if (!network.isOpen() || sentARequest(network, socket)) {
            return;
        }
        if (deferralsLeft > 0 && serverBehind()) {
            // Its request may be in the socket, waiting for a thread to read it: the delay is the server's.
            // Bounded, or a client trickling its headers would be kept for as long as the server is busy.
            checkHandshakeLater(network, socket, deferralsLeft - 1);
            return;
        }
        warn("closed a connection from {}: no request within {} ms (RTKV_HANDSHAKE_TIMEOUT_SECONDS)",
                socket.address.getHostAddress(), handshakeMillis * (MAX_DEFERRALS + 1 - deferralsLeft));
        network.close();
    }

    /** Work waits for a thread, reading new connections' requests among it. */
    private boolean serverBehind() {
        return connector.getExecutor() instanceof QueuedThreadPool pool && pool.getQueueSize() > 0;
    }

    private static boolean sentARequest(EndPoint network, Socket socket) {
        if (socket.applicationConnections.get() > 1) {
            return true;
        }
        Connection current = network.getConnection();
        while (current instanceof SslConnection tls) {
            current = tls.getSslEndPoint().getConnection();
        }
        // An HTTP connection counts a request once its headers are complete.
        return current != null && current.getMessagesIn() > 0;
    }

    private static EndPoint networkEndPoint(EndPoint endPoint) {
        EndPoint current = endPoint;
        while (current instanceof SslConnection.SslEndPoint decrypted) {
            current = decrypted.getSslConnection().getEndPoint();
        }
        return current;
    }

    /** A flood of refused connections must not become a flood of log lines. */
    private void warn(String message, Object... arguments) {
        long now = System.nanoTime();
        long last = lastWarning.get();
        if (now - last >= LOG_EVERY_NANOS && lastWarning.compareAndSet(last, now)) {
            LOG.warn(message, arguments);
        }
    }
}
