package rtkv.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The chart's test pod: every address must answer 200. */
class ReadyCheckTest {

    @Test
    void countsEveryAddressThatDidNotAnswer200() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/readyz", exchange -> {
            byte[] body = "{\"status\":\"ok\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.createContext("/down", exchange -> {
            exchange.sendResponseHeaders(503, -1);
            exchange.close();
        });
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            assertEquals(0, ReadyCheck.failures(List.of(base + "/readyz", base + "/readyz")));
            assertEquals(2, ReadyCheck.failures(List.of(base + "/readyz", base + "/down", "http://127.0.0.1:1/readyz")));
        } finally {
            server.stop(0);
        }
    }
}
