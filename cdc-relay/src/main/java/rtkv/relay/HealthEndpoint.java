package rtkv.relay;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import rtkv.metrics.ServiceMetrics;

/**
 * On the JDK's server: {@code /healthz} (the process works), {@code /readyz} (holding the shard's lease
 * and streaming the binlog; a standby is not ready), {@code /readyz?standby=ok} (that, or a standby
 * behind the relay that is: what a rollout waits for, since a standby never gets the lease while the
 * active relay lives), and {@code /metrics}. The readiness body names the relay's role.
 */
final class HealthEndpoint implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService threads = Executors.newFixedThreadPool(4, r -> {
        Thread thread = new Thread(r, "relay-health");
        thread.setDaemon(true);
        return thread;
    });

    /**
     * The role is FailoverRelay.role, asked once per request to /readyz; it may wait on Kafka while a
     * run starts, so /healthz does not ask it, and requests are served on threads of their own: a slow
     * readiness check or scrape never holds up the liveness probe, which would restart the relay.
     */
    HealthEndpoint(String host, int port, BooleanSupplier alive, Supplier<String> role, ServiceMetrics metrics)
            throws IOException {
        server = HttpServer.create(new InetSocketAddress(host, port), 16);
        server.setExecutor(threads);
        server.createContext("/healthz", exchange -> {
            boolean ok = alive.getAsBoolean();
            send(exchange, ok ? 200 : 503, "application/json", "{\"status\":\"" + (ok ? "ok" : "unavailable") + "\"}");
        });
        server.createContext("/readyz", exchange -> {
            String now = role.get();
            boolean standbyWillDo = "standby=ok".equals(exchange.getRequestURI().getRawQuery());
            answer(exchange, now.equals("active") || (standbyWillDo && now.equals("standby")), now);
        });
        server.createContext("/metrics", exchange -> send(exchange, 200, ServiceMetrics.CONTENT_TYPE, metrics.scrape()));
    }

    void start() {
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    private static void answer(HttpExchange exchange, boolean ok, String role) throws IOException {
        send(exchange, ok ? 200 : 503, "application/json",
                "{\"status\":\"" + (ok ? "ok" : "unavailable") + "\",\"role\":\"" + role + "\"}");
    }

    private static void send(HttpExchange exchange, int status, String contentType, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
