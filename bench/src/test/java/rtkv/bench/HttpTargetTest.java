package rtkv.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The bench's own HTTP/1.1 client against a scripted server: framing, reuse, and a closed idle connection. */
class HttpTargetTest {

    /**
     * What the server answers, one per request, in order; "CLOSE" closes the connection instead, and
     * "PARTIAL " closes it after writing the rest.
     */
    private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private ServerSocket server;
    private HttpTarget target;

    @BeforeEach
    void start() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::serve, "scripted-http");
        acceptor.setDaemon(true);
        acceptor.start();
        target = new HttpTarget("http://127.0.0.1:" + server.getLocalPort(), "secret");
    }

    @AfterEach
    void stop() throws IOException {
        target.close();
        server.close();
    }

    @Test
    void sendsTheRequestAndReusesTheConnection() throws IOException {
        answers.add("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
        answers.add("HTTP/1.1 404 Not Found\r\ncontent-length: 3\r\n\r\n{ }");
        assertEquals(200, target.send(Mix.PUT, "t-1", "k1", "{\"a\":\"é\"}"));
        assertEquals(404, target.send(Mix.GET, "t-1", "k2", "ignored"));
        assertEquals(1, accepted.get());
        assertEquals("PUT /v1/tables/t-1/keys/k1 HTTP/1.1\r\nHost: 127.0.0.1:" + server.getLocalPort()
                + "\r\nAuthorization: Bearer secret\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n"
                + "{\"a\":\"é\"}", requests.get(0));
        assertEquals("GET /v1/tables/t-1/keys/k2 HTTP/1.1\r\nHost: 127.0.0.1:" + server.getLocalPort()
                + "\r\nAuthorization: Bearer secret\r\n\r\n", requests.get(1));
    }

    @Test
    void readsChunkedAnswersToTheirEnd() throws IOException {
        answers.add("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n");
        answers.add("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n");
        assertEquals(200, target.send(Mix.GET, "t", "k", ""));
        assertEquals(204, target.send(Mix.DELETE, "t", "k", ""));
        assertEquals(1, accepted.get());
    }

    @Test
    void opensANewConnectionAfterConnectionCloseOrAnIdleClose() throws IOException {
        answers.add("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx");
        answers.add("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        answers.add("CLOSE");
        answers.add("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
        assertEquals(503, target.send(Mix.GET, "t", "k", ""));
        assertEquals(200, target.send(Mix.GET, "t", "k", ""));
        // The server closes the kept connection instead of answering: the request is sent again on a new one.
        assertEquals(201, target.send(Mix.GET, "t", "k", ""));
        assertEquals(3, accepted.get());
    }

    @Test
    void neverSendsAgainARequestWhoseAnswerHadBegun() throws IOException {
        answers.add("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        answers.add("PARTIAL HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
        // What a second send would be answered; it must not happen.
        answers.add("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        assertEquals(200, target.send(Mix.PUT, "t", "k", "1"));
        assertThrows(IOException.class, () -> target.send(Mix.PUT, "t", "k", "2"));
        assertEquals(1, accepted.get());
        assertEquals(2, requests.size());
    }

    @Test
    void refusesNamesThatWouldNeedEscaping() {
        assertThrows(IllegalArgumentException.class, () -> target.send(Mix.GET, "t", "a b", ""));
        assertThrows(IllegalArgumentException.class, () -> target.send(Mix.GET, "t/x", "k", ""));
    }

    private void serve() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                accepted.incrementAndGet();
                Thread connection = new Thread(() -> answer(socket), "scripted-http-connection");
                connection.setDaemon(true);
                connection.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void answer(Socket socket) {
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            while (true) {
                String request = readRequest(in);
                if (request == null) {
                    return;
                }
                String answer = answers.take();
                if (answer.equals("CLOSE")) {
                    return;
                }
                requests.add(request);
                if (answer.startsWith("PARTIAL ")) {
                    out.write(answer.substring(8).getBytes(StandardCharsets.UTF_8));
                    return;
                }
                out.write(answer.getBytes(StandardCharsets.UTF_8));
                out.flush();
                if (answer.contains("Connection: close")) {
                    return;
                }
            }
        } catch (IOException e) {
            // the client went away
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One request, head and body (by its Content-Length), or null at the end of the connection. */
    private static String readRequest(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.write(b);
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        int length = 0;
        for (String line : text.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        byte[] body = in.readNBytes(length);
        return new String(head.toByteArray(), StandardCharsets.UTF_8) + new String(body, StandardCharsets.UTF_8);
    }
}
