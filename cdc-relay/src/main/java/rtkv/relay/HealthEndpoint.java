package rtkv.relay;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/** {@code /healthz} (the process works) and {@code /readyz} (the binlog is being streamed), on the JDK's server. */
final class HealthEndpoint implements AutoCloseable {

    private final HttpServer server;

    HealthEndpoint(String host, int port, BooleanSupplier alive, BooleanSupplier ready) throws IOException {
        server = HttpServer.create(new InetSocketAddress(host, port), 16);
        server.createContext("/healthz", exchange -> answer(exchange, alive.getAsBoolean(), "alive"));
        server.createContext("/readyz", exchange -> answer(exchange, ready.getAsBoolean(), "streaming the binlog"));
    }

    void start() {
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    private static void answer(HttpExchange exchange, boolean ok, String what) throws IOException {
        byte[] body = ("{\"status\":\"" + (ok ? "ok" : "unavailable") + "\",\"check\":\"" + what + "\"}")
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
