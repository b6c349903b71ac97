package rtkv.edge;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The handshake timeout is for clients that do not send their request, not for a server too busy to
 * read it: in a storm of subscribes every worker thread can be busy, and a request that waits in its
 * socket for a thread is the server's delay.
 */
class ConnectionGuardIT {

    private static final long HANDSHAKE_MILLIS = 1_000;
    private static final int THREADS = 12;

    private final CountDownLatch release = new CountDownLatch(1);
    private final List<Socket> sockets = new ArrayList<>();
    private Server server;
    private QueuedThreadPool pool;
    private ServerConnector connector;
    private int port;

    @BeforeEach
    void start() throws Exception {
        pool = new QueuedThreadPool(THREADS, THREADS);
        // Without reserved threads the selector hands every request to the pool, as a busy server does.
        pool.setReservedThreads(0);
        server = new Server(pool);
        connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory());
        connector.setHost("127.0.0.1");
        connector.setIdleTimeout(Connectors.IDLE_TIMEOUT_MILLIS);
        connector.addEventListener(new ConnectionGuard(connector, 1_000, HANDSHAKE_MILLIS, address -> false));
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                response.setStatus(200);
                Content.Sink.write(response, true, "ok", callback);
                return true;
            }
        });
        server.start();
        port = connector.getLocalPort();
    }

    @AfterEach
    void stop() throws Exception {
        release.countDown();
        for (Socket socket : sockets) {
            socket.close();
        }
        server.stop();
    }

    @Test
    void aRequestWaitingForABusyServerIsNotClosedAsIfTheClientSentNone() throws Exception {
        Socket waiting = connect();
        EndPoint endPoint = accepted(waiting);
        occupyEveryThread();
        waiting.getOutputStream().write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        await("the waiting request's connection stays open past the handshake timeout")
                .during(Duration.ofMillis(2 * HANDSHAKE_MILLIS)).atMost(Duration.ofMillis(3 * HANDSHAKE_MILLIS))
                .until(endPoint::isOpen);
        release.countDown();
        waiting.setSoTimeout(10_000);
        assertEquals("HTTP/1.1 200 OK", statusLine(waiting), "served once a thread was free");
    }

    @Test
    void aClientTricklingItsRequestToABusyServerIsClosedAfterFourTimeoutsAtMost() throws Exception {
        Socket trickling = connect();
        long opened = System.nanoTime();
        EndPoint endPoint = accepted(trickling);
        occupyEveryThread();
        trickling.getOutputStream().write("GET / HTTP/1.1\r\nHost: 127".getBytes(StandardCharsets.US_ASCII));
        await("the trickling connection closed by the server")
                .atMost(Duration.ofMillis((ConnectionGuard.MAX_DEFERRALS + 3) * HANDSHAKE_MILLIS)).until(() -> !endPoint.isOpen());
        long waitedMillis = (System.nanoTime() - opened) / 1_000_000;
        assertTrue(waitedMillis >= 2 * HANDSHAKE_MILLIS, "closed after " + waitedMillis + " ms, while the server was behind");
        assertTrue(pool.getQueueSize() > 0, "the server was still behind when it was closed");
    }

    @Test
    void aClientTricklingItsRequestToAnIdleServerIsClosed() throws Exception {
        Socket trickling = connect();
        EndPoint endPoint = accepted(trickling);
        trickling.getOutputStream().write("GET / HTTP/1.1\r\nHost: 127".getBytes(StandardCharsets.US_ASCII));
        await("the trickling connection closed by the server").atMost(Duration.ofSeconds(10)).until(() -> !endPoint.isOpen());
    }

    /** The server's end of a client's connection, once accepted: the guard's clock starts then. */
    private EndPoint accepted(Socket client) {
        return await("the connection accepted").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                .until(() -> connector.getConnectedEndPoints().stream()
                        .filter(e -> e.getRemoteSocketAddress() instanceof InetSocketAddress remote
                                && remote.getPort() == client.getLocalPort())
                        .findFirst(), Optional::isPresent).orElseThrow();
    }

    /** Every worker thread blocked, and more work queued behind them. */
    private void occupyEveryThread() {
        for (int i = 0; i < 2 * THREADS; i++) {
            pool.execute(() -> {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        assertTrue(pool.getQueueSize() > 0, "work is queued");
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
        sockets.add(socket);
        return socket;
    }

    private static String statusLine(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b >= 0 && b != '\r'; b = in.read()) {
            line.append((char) b);
        }
        return line.toString();
    }
}
