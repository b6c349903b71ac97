package rtkv.api;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import rtkv.infra.SelfSignedTls;

/** How api-service listens: TLS when given a keystore, connections per address, the handshake timeout. */
@ExtendWith(ApiFixture.class)
class EdgeIT {

    private static final String HEALTH = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

    @TempDir
    Path dir;

    private static ApiServer start(Map<String, String> overrides) {
        return new ApiServer(ApiFixture.config(ApiFixture.cluster(), overrides), Clock.systemUTC()).start();
    }

    private static Socket connect(ApiServer server) throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port());
        socket.setSoTimeout(5_000);
        return socket;
    }

    /** Sends one request on the socket and answers the status line of the response. */
    private static String request(Socket socket) throws IOException {
        socket.getOutputStream().write(HEALTH.getBytes(StandardCharsets.US_ASCII));
        InputStream in = socket.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed by the server after: " + head);
            }
            head.append((char) b);
        }
        int length = Integer.parseInt(head.toString().replaceAll("(?s).*[Cc]ontent-[Ll]ength: (\\d+).*", "$1"));
        in.readNBytes(length);
        return head.substring(0, head.indexOf("\r\n"));
    }

    /** True once the server has closed the socket; false while it is open and silent. */
    private static boolean closedByServer(Socket socket) throws IOException {
        socket.setSoTimeout(100);
        try {
            return socket.getInputStream().read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    @Test
    void aPageOfAnAllowedOriginMayCallTheApiAndReadItsAnswersEvenRefusalsAndNoOtherPageMay() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String app = "https://app.example.com";
        try (ApiServer server = start(Map.of("RTKV_API_ALLOWED_ORIGINS", app + ",http://127.0.0.1:5173"))) {
            String table = ApiFixture.table("cors");
            URI uri = URI.create("http://127.0.0.1:" + server.port() + ApiFixture.keyPath(table, "k"));
            HttpResponse<String> preflight = http.send(HttpRequest.newBuilder(uri).method("OPTIONS",
                    HttpRequest.BodyPublishers.noBody()).header("Origin", app).header("Access-Control-Request-Method", "PUT")
                    .header("Access-Control-Request-Headers", "authorization,content-type,if-match,idempotency-key").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(204, preflight.statusCode(), "a preflight carries no key, and is answered: " + preflight.body());
            assertEquals(Optional.of(app), preflight.headers().firstValue("Access-Control-Allow-Origin"));
            assertTrue(preflight.headers().firstValue("Access-Control-Allow-Headers").orElse("").contains("Idempotency-Key"),
                    preflight.headers().map().toString());
            assertTrue(preflight.headers().firstValue("Access-Control-Allow-Methods").orElse("").contains("PUT"));

            HttpResponse<String> put = http.send(HttpRequest.newBuilder(uri).PUT(HttpRequest.BodyPublishers.ofString("1"))
                    .header("Origin", app).header("Authorization", "Bearer " + ApiFixture.ADMIN_KEY).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, put.statusCode(), put.body());
            assertEquals(Optional.of(app), put.headers().firstValue("Access-Control-Allow-Origin"));
            assertEquals(Optional.of("Origin"), put.headers().firstValue("Vary"));
            assertTrue(put.headers().firstValue("Access-Control-Expose-Headers").orElse("").contains("ETag"));

            HttpResponse<String> unkeyed = http.send(HttpRequest.newBuilder(uri).header("Origin", app).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(401, unkeyed.statusCode(), "CORS lets a page send its key, it does not stand in for one");
            assertEquals(Optional.of(app), unkeyed.headers().firstValue("Access-Control-Allow-Origin"),
                    "the page can read the refusal, not a network error");

            // Another site's page: its request is served as if CORS did not exist (a browser will not let the
            // page read the answer), never refused after it ran.
            HttpResponse<String> stranger = http.send(HttpRequest.newBuilder(uri).PUT(HttpRequest.BodyPublishers.ofString("2"))
                    .header("Origin", "https://evil.example.com").header("Authorization", "Bearer " + ApiFixture.ADMIN_KEY)
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, stranger.statusCode(), stranger.body());
            assertTrue(stranger.headers().firstValue("Access-Control-Allow-Origin").isEmpty());
            HttpResponse<String> strangerPreflight = http.send(HttpRequest.newBuilder(uri).method("OPTIONS",
                    HttpRequest.BodyPublishers.noBody()).header("Origin", "https://evil.example.com")
                    .header("Access-Control-Request-Method", "PUT").build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(strangerPreflight.headers().firstValue("Access-Control-Allow-Origin").isEmpty(),
                    "no permission for another site: " + strangerPreflight.statusCode());
        }
        HttpResponse<String> defaults = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + ApiFixture.server().port() + ApiFixture.keyPath(ApiFixture.table("cors"), "k"))).header("Origin", app)
                .header("Authorization", "Bearer " + ApiFixture.ADMIN_KEY).build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(defaults.headers().firstValue("Access-Control-Allow-Origin").isEmpty(), "no origin is allowed by default");
    }

    @Test
    void aConnectionThatSendsNoRequestInTimeIsClosedWhileAServedOneStays() throws Exception {
        try (ApiServer server = start(Map.of("RTKV_HANDSHAKE_TIMEOUT_SECONDS", "1"));
             Socket served = connect(server); Socket silent = connect(server)) {
            assertEquals("HTTP/1.1 200 OK", request(served));
            silent.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: 127".getBytes(StandardCharsets.US_ASCII));

            await("the silent connection is closed").atMost(Duration.ofSeconds(10)).until(() -> closedByServer(silent));
            served.setSoTimeout(5_000);
            assertEquals("HTTP/1.1 200 OK", request(served), "a connection that sent a request is kept alive");
        }
    }

    @Test
    void connectionsBeyondThePerAddressLimitAreClosedUntilOneGoes() throws Exception {
        try (ApiServer server = start(Map.of("RTKV_MAX_CONNECTIONS_PER_ADDRESS", "2"));
             Socket first = connect(server); Socket second = connect(server)) {
            assertEquals("HTTP/1.1 200 OK", request(first));
            assertEquals("HTTP/1.1 200 OK", request(second));
            try (Socket third = connect(server)) {
                await("the third connection is closed").atMost(Duration.ofSeconds(10)).until(() -> closedByServer(third));
            }
            first.close();
            await("a place is free again").atMost(Duration.ofSeconds(10)).until(() -> {
                try (Socket again = connect(server)) {
                    return request(again).equals("HTTP/1.1 200 OK");
                } catch (IOException e) {
                    return false;
                }
            });
            assertEquals("HTTP/1.1 200 OK", request(second), "the connections within the limit were never touched");
        }
    }

    @Test
    void anAddressThatKeepsPresentingWrongKeysIsToldToWaitWithoutLookingThemUp() throws Exception {
        try (ApiServer server = start(Map.of("RTKV_AUTH_FAILURES_PER_ADDRESS", "3"))) {
            HttpClient http = HttpClient.newHttpClient();
            String path = "http://127.0.0.1:" + server.port() + ApiFixture.keyPath(ApiFixture.table("guess"), "k");
            java.util.function.Function<String, HttpResponse<String>> get = key -> {
                try {
                    return http.send(HttpRequest.newBuilder(URI.create(path)).header("Authorization", "Bearer " + key).build(),
                            HttpResponse.BodyHandlers.ofString());
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            };
            for (int i = 0; i < 3; i++) {
                assertEquals(401, get.apply("rk.0123456789abcde" + i + "." + "A".repeat(43)).statusCode());
            }
            HttpResponse<String> blocked = get.apply(ApiFixture.ADMIN_KEY);
            assertEquals(429, blocked.statusCode(), "even a good key waits: the address is not listened to for a moment");
            assertTrue(blocked.body().contains("too many refused API keys"), blocked.body());
            assertTrue(Long.parseLong(blocked.headers().firstValue("Retry-After").orElseThrow()) >= 1);
            await("the address may try again").atMost(Duration.ofSeconds(10))
                    .until(() -> get.apply(ApiFixture.ADMIN_KEY).statusCode() == 404);
        }
    }

    @Test
    void withAKeystoreItSpeaksOnlyTls() throws Exception {
        SelfSignedTls tls = SelfSignedTls.create(dir);
        try (ApiServer server = start(Map.of("RTKV_TLS_KEYSTORE", tls.keystore().toString(),
                "RTKV_TLS_KEYSTORE_PASSWORD", tls.password()))) {
            HttpClient https = HttpClient.newBuilder().sslContext(tls.clientContext()).build();
            String base = "https://127.0.0.1:" + server.port();
            String table = ApiFixture.table("tls");
            HttpResponse<String> put = https.send(HttpRequest.newBuilder(URI.create(base + ApiFixture.keyPath(table, "k")))
                    .header("Authorization", "Bearer " + ApiFixture.ADMIN_KEY)
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"over\":\"tls\"}")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, put.statusCode(), put.body());
            HttpResponse<String> get = https.send(HttpRequest.newBuilder(URI.create(base + ApiFixture.keyPath(table, "k")))
                    .header("Authorization", "Bearer " + ApiFixture.ADMIN_KEY).build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(get.body().contains("{\"over\":\"tls\"}"), get.body());

            HttpRequest plain = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/healthz"))
                    .timeout(Duration.ofSeconds(10)).build();
            assertThrows(IOException.class, () -> HttpClient.newHttpClient().send(plain, HttpResponse.BodyHandlers.ofString()),
                    "plain HTTP is not served on a TLS port");
        }
    }
}
