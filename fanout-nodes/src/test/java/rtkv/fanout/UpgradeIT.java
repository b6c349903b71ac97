package rtkv.fanout;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static rtkv.fanout.FanoutFixture.ADMIN_KEY;
import static rtkv.fanout.FanoutFixture.HTTP;
import static rtkv.fanout.FanoutFixture.JSON;
import static rtkv.fanout.FanoutFixture.insert;
import static rtkv.fanout.FanoutFixture.parsed;
import static rtkv.fanout.FanoutFixture.table;
import static rtkv.fanout.FanoutFixture.url;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import rtkv.infra.LauncherException;
import rtkv.infra.TableSubscription;

/**
 * The subscription address as an HTTP client meets it: the upgrade is made by Jetty's own handler, and
 * a client hears what it did wrong: a request that is not an upgrade is told to upgrade, a query that
 * cannot be decoded is a 400, never a 500.
 */
@ExtendWith(FanoutFixture.class)
class UpgradeIT {

    @Test
    void aPlainRequestIsToldToUpgrade() throws Exception {
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create(url().replace("ws:", "http:")
                + "/v1/tables/" + table() + "/subscribe")).header("Authorization", "Bearer " + ADMIN_KEY).build(),
                HttpResponse.BodyHandlers.ofString());

        assertEquals(426, answer.statusCode(), answer.body());
        JsonNode error = JSON.readTree(answer.body());
        assertEquals("upgrade_required", error.get("error").asText());
    }

    @Test
    void aTrailingSlashStillSubscribes() throws Exception {
        String table = table();
        insert(table, "a", "1", 1);

        try (TableSubscription subscription = TableSubscription.open(HTTP, URI.create(url() + "/v1/tables/" + table
                + "/subscribe/"), ADMIN_KEY, TableSubscription.HEARTBEAT, frame -> { })) {
            await("a snapshot").atMost(Duration.ofSeconds(30)).until(() -> !subscription.frames().isEmpty());
            JsonNode first = parsed(subscription).get(0);
            assertEquals("snapshot", first.get("type").asText(), subscription.frames().toString());
            assertEquals("a", first.get("entries").get(0).get("key").asText());
        }
    }

    @Test
    void aQueryThatIsNotUtf8IsAClientErrorNotAServerError() {
        for (String query : new String[] {"junk=%E0%A4", "conflate=%FF"}) {
            LauncherException refused = assertThrows(LauncherException.class, () -> TableSubscription.open(HTTP,
                    URI.create(url() + "/v1/tables/" + table() + "/subscribe?" + query), ADMIN_KEY, null, frame -> { }));
            assertTrue(refused.getCause() instanceof WebSocketHandshakeException, query + ": " + refused);
            assertEquals(400, ((WebSocketHandshakeException) refused.getCause()).getResponse().statusCode(), query);
        }
    }

    @Test
    void anOfferedSubprotocolIsAccepted() throws Exception {
        String table = table();
        WebSocket socket = HTTP.newWebSocketBuilder().header("Authorization", "Bearer " + ADMIN_KEY).subprotocols("rtkv")
                .buildAsync(URI.create(url() + "/v1/tables/" + table + "/subscribe"), new WebSocket.Listener() { })
                .get(30, TimeUnit.SECONDS);
        try {
            assertEquals("rtkv", socket.getSubprotocol());
        } finally {
            socket.abort();
        }
    }

    /**
     * Browsers offer permessage-deflate on every WebSocket. Accepted, it gives each subscriber its own
     * zlib state outside the heap (81-110 KB more resident memory, measured) and compresses every frame
     * once per subscriber instead of writing the bytes encoded once per change.
     */
    @Test
    void aBrowsersOfferOfCompressionIsDeclined() throws Exception {
        URI address = URI.create(url());
        try (Socket socket = new Socket(address.getHost(), address.getPort())) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(("GET /v1/tables/" + table() + "/subscribe HTTP/1.1\r\n"
                    + "Host: " + address.getHost() + ":" + address.getPort() + "\r\n"
                    + "Authorization: Bearer " + ADMIN_KEY + "\r\n"
                    + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String head = responseHead(socket.getInputStream());

            assertTrue(head.startsWith("HTTP/1.1 101 "), head);
            assertFalse(head.toLowerCase(Locale.ROOT).contains("sec-websocket-extensions"), head);
        }
    }

    private static String responseHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
        }
        return head.toString();
    }
}
