package rtkv.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** api-service behind an ingress: per-address limits count the client a trusted proxy forwards, and only a trusted one. */
@ExtendWith(ApiFixture.class)
class ProxyIT {

    private static final String WRONG_KEY = "rk.0123456789abcdef." + "A".repeat(43);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** One refused key a second per address: the second within that second is told to wait. */
    private static ApiServer start(String trustedProxies, String header) {
        return new ApiServer(ApiFixture.config(ApiFixture.cluster(), Map.of("RTKV_TRUSTED_PROXIES", trustedProxies,
                "RTKV_FORWARDED_HEADER", header, "RTKV_AUTH_FAILURES_PER_ADDRESS", "1", "RTKV_MAX_CONNECTIONS_PER_ADDRESS", "2")),
                Clock.systemUTC()).start();
    }

    /** A request with a wrong key, as a proxy forwards it with these headers. */
    private static HttpResponse<String> wrongKey(ApiServer server, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                + ApiFixture.keyPath("proxied", "k"))).header("Authorization", "Bearer " + WRONG_KEY);
        if (headers.length > 0) {
            request.headers(headers);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void behindATrustedProxyEachForwardedClientHasItsOwnLimitAndCannotWriteItself() throws Exception {
        try (ApiServer server = start("127.0.0.1", "X-Forwarded-For")) {
            assertEquals(401, wrongKey(server, "X-Forwarded-For", "203.0.113.7").statusCode());
            HttpResponse<String> spoofed = wrongKey(server, "X-Forwarded-For", "198.51.100.99, 203.0.113.7",
                    "Forwarded", "for=198.51.100.98");
            assertEquals(429, spoofed.statusCode(), "what the client wrote, left of the proxy's hop or in the other header,"
                    + " changes nothing: " + spoofed.body());
            assertTrue(spoofed.body().contains("too many refused API keys from 203.0.113.7"), spoofed.body());
            assertEquals(401, wrongKey(server, "X-Forwarded-For", "198.51.100.4").statusCode(),
                    "another client behind the same proxy is not blocked");
        }
        try (ApiServer server = start("127.0.0.1", "Forwarded")) {
            assertEquals(401, wrongKey(server, "Forwarded", "for=203.0.113.8;proto=https").statusCode());
            HttpResponse<String> blocked = wrongKey(server, "Forwarded", "for=203.0.113.8", "X-Forwarded-For", "198.51.100.5");
            assertTrue(blocked.body().contains("from 203.0.113.8"), blocked.body());
        }
    }

    @Test
    void fromAPeerThatIsNotTrustedTheHeadersAreIgnored() throws Exception {
        try (ApiServer server = start("10.0.0.0/8", "X-Forwarded-For")) {
            assertEquals(401, wrongKey(server, "X-Forwarded-For", "203.0.113.1").statusCode());
            HttpResponse<String> blocked = wrongKey(server, "X-Forwarded-For", "203.0.113.2");
            assertEquals(429, blocked.statusCode(), "a new forwarded address each time does not reset the count");
            assertTrue(blocked.body().contains("from 127.0.0.1"), blocked.body());
        }
    }

    @Test
    void aTrustedProxysConnectionsAreNotCappedPerAddress() throws Exception {
        try (ApiServer server = start("127.0.0.1", "X-Forwarded-For")) {
            List<Socket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < 5; i++) {
                    Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port());
                    sockets.add(socket);
                    socket.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    assertTrue(statusLine(socket.getInputStream()).startsWith("HTTP/1.1 200"),
                            "connection " + (i + 1) + " of a proxy allowed 2 per address as a client");
                }
            } finally {
                for (Socket socket : sockets) {
                    socket.close();
                }
            }
        }
    }

    private static String statusLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c; (c = in.read()) >= 0 && c != '\n'; ) {
            line.append((char) c);
        }
        return line.toString().strip();
    }
}
