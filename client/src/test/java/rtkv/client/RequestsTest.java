package rtkv.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the client retries, against the JDK's own HTTP server playing api-service: a request is tried
 * again only when that cannot apply a write twice.
 */
class RequestsTest {

    private HttpServer server;
    private RtkvClient client;
    private final AtomicInteger calls = new AtomicInteger();
    private final List<String> idempotencyKeys = new CopyOnWriteArrayList<>();
    /** How the first {@code failures} calls are answered: a status, or 0 to drop the connection unanswered. */
    private volatile int failWith;
    private volatile int failures;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::answer);
        server.start();
        client = RtkvClient.builder().api("http://127.0.0.1:" + server.getAddress().getPort()).retries(2).build();
    }

    @AfterEach
    void stop() {
        client.close();
        server.stop(0);
    }

    private void answer(HttpExchange exchange) throws IOException {
        exchange.getRequestBody().readAllBytes();
        idempotencyKeys.add(String.valueOf(exchange.getRequestHeaders().getFirst("Idempotency-Key")));
        if (calls.incrementAndGet() <= failures) {
            if (failWith == 0) {
                exchange.close(); // no status line: the answer is lost on the way
                return;
            }
            send(exchange, failWith, "{\"error\":\"" + (failWith == 429 ? "too_many_requests" : failWith == 404
                    ? "route" : "unavailable") + "\",\"message\":\"try later\"}");
            return;
        }
        send(exchange, 200, "{\"key\":\"k\",\"value\":1,\"version\":3,\"expiresAt\":null}");
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Retry-After", "0");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private void failFirst(int count, int status) {
        failures = count;
        failWith = status;
    }

    @Test
    void aReadIsRetriedOnA503AndALostAnswer() {
        failFirst(2, 503);
        assertEquals(3, client.table("t").get("k").orElseThrow().version());
        assertEquals(3, calls.get());
        calls.set(0);
        failFirst(1, 0);
        assertTrue(client.table("t").get("k").isPresent());
        assertEquals(2, calls.get());
    }

    @Test
    void aWriteWithoutAnIdempotencyKeyIsNotRetriedWhenItMayHaveBeenApplied() {
        failFirst(1, 503);
        assertEquals("unavailable", assertThrows(RtkvException.class, () -> client.table("t").put("k", 1)).code());
        assertEquals(1, calls.get());
        calls.set(0);
        failFirst(1, 0);
        RtkvException lost = assertThrows(RtkvException.class, () -> client.table("t").incr("k", 1));
        assertEquals("unreachable", lost.code());
        assertTrue(lost.getMessage().contains("may or may not have been applied"), lost.getMessage());
        assertEquals(1, calls.get());
    }

    @Test
    void aWriteWithAnIdempotencyKeyIsRetriedWithTheSameKey() {
        failFirst(2, 0);
        assertEquals(3, client.table("t").put("k", 1, Write.options().idempotencyKey("w-1")).version());
        assertEquals(List.of("w-1", "w-1", "w-1"), idempotencyKeys);
        calls.set(0);
        failFirst(1, 503);
        client.table("t").batch(Batch.of().put("k", 1), Write.options().idempotencyKey("w-2"));
        assertEquals(2, calls.get());
    }

    @Test
    void a429IsRetriedForEveryCallForNothingWasDone() {
        failFirst(1, 429);
        client.table("t").put("k", 1);
        assertEquals(2, calls.get());
        calls.set(0);
        failFirst(3, 429);
        RtkvException refused = assertThrows(RtkvException.class, () -> client.table("t").put("k", 1));
        assertEquals(429, refused.status());
        assertEquals(java.time.Duration.ZERO, refused.retryAfter());
        assertEquals(3, calls.get(), "the first try and two retries");
    }

    @Test
    void onlyTheApisNotFoundIsAMissingKey() {
        failFirst(1, 404);
        assertEquals("route", assertThrows(RtkvException.class, () -> client.table("t").get("k")).code(),
                "a 404 that is not the key's (a proxy's, a wrong base path) is an error");
        calls.set(0);
        failures = 0;
        assertNull(client.table("t").delete("k").map(w -> null).orElse(null));
    }
}
