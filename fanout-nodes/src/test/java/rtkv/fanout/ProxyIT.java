package rtkv.fanout;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A fanout node behind an ingress: its per-address limits count the client a trusted proxy forwards. */
@ExtendWith(FanoutFixture.class)
class ProxyIT {

    private static final String WRONG_KEY = "rk.0123456789abcdef." + "A".repeat(43);

    /** The first frame a node sends a subscriber with a wrong key, forwarded for {@code client}. */
    private static String firstFrame(FanoutServer node, String path, String client) {
        List<String> frames = new CopyOnWriteArrayList<>();
        WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .header("Authorization", "Bearer " + WRONG_KEY)
                .header("X-Forwarded-For", client)
                .buildAsync(URI.create("ws://127.0.0.1:" + node.port() + path), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                        frames.add(data.toString());
                        webSocket.request(1);
                        return null;
                    }
                }).join();
        await("the node's answer to " + client).atMost(Duration.ofSeconds(10)).until(() -> !frames.isEmpty());
        socket.abort();
        return frames.get(0);
    }

    @Test
    void eachForwardedClientHasItsOwnLimitOnBothAddresses() {
        // One refused key a second per address: the next within that second is told to wait.
        try (FanoutServer node = FanoutFixture.startServer(Map.of("RTKV_TRUSTED_PROXIES", "127.0.0.1",
                "RTKV_AUTH_FAILURES_PER_ADDRESS", "1"))) {
            for (String path : List.of("/v1/tables/proxied/subscribe", "/v1/stream")) {
                String client = path.contains("stream") ? "203.0.113.8" : "203.0.113.7";
                assertTrue(firstFrame(node, path, client).contains("\"unauthorized\""));
                String blocked = firstFrame(node, path, "198.51.100.4, " + client);
                assertTrue(blocked.contains("\"too_many_requests\"") && blocked.contains("from " + client),
                        "what the client wrote left of the proxy's hop changes nothing: " + blocked);
                assertTrue(firstFrame(node, path, "198.51.100." + path.length()).contains("\"unauthorized\""),
                        "another client behind the same proxy is not blocked");
            }
        }
    }
}
