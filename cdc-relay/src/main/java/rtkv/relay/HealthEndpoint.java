package rtkv.relay;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * {@code /healthz} (the process works) and {@code /readyz} (streaming the binlog, or a standby behind
 * the relay that is), on the JDK's server; both bodies name the relay's role.
 */
final class HealthEndpoint implements AutoCloseable {

    private final HttpServer server;

    /** Ready in the roles "active" and "standby" (FailoverRelay.role); the role is asked once per request. */
    HealthEndpoint(String host, int port, BooleanSupplier alive, Supplier<String> role) throws IOException {
        server = HttpServer.create(new InetSocketAddress(host, port), 16);
        server.createContext("/healthz", exchange -> answer(exchange, alive.getAsBoolean(), role.get()));
        server.createContext("/readyz", exchange -> {
            String now = role.get();
            answer(exchange, now.equals("active") || now.equals("standby"), now);
        });
    }

    void start() {
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    private static void answer(HttpExchange exchange, boolean ok, String role) throws IOException {
        byte[] body = ("{\"status\":\"" + (ok ? "ok" : "unavailable") + "\",\"role\":\"" + role + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(ok ? 200 : 503, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
