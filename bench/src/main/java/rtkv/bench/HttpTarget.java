package rtkv.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * The workload through api-service. Blocking HttpURLConnection with keep-alive: on two cores the JDK's
 * asynchronous HttpClient spent a whole core of its own, and the load generator must cost little.
 */
final class HttpTarget implements Target {

    private final String baseUrl;
    private final String authorization;

    /** @param key the API key of every request; the admin key, so no rate limit applies */
    HttpTarget(String baseUrl, String key) {
        this.baseUrl = baseUrl;
        this.authorization = "Bearer " + key;
    }

    @Override
    public boolean run(Mix op, String table, String key, String value) throws IOException {
        return send(op, table, key, value) < 500;
    }

    /** One request; answers its status once the whole answer was read. */
    int send(Mix op, String table, String key, String value) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) URI.create(baseUrl + "/v1/tables/" + table + "/keys/" + key)
                .toURL().openConnection();
        connection.setRequestMethod(op.name());
        connection.setRequestProperty("Authorization", authorization);
        if (op == Mix.PUT) {
            byte[] body = value.getBytes(StandardCharsets.UTF_8);
            connection.setDoOutput(true);
            connection.setFixedLengthStreamingMode(body.length);
            try (OutputStream out = connection.getOutputStream()) {
                out.write(body);
            }
        }
        int status = connection.getResponseCode();
        // Reading the body to the end hands the connection back for reuse.
        try (InputStream in = status < 400 ? connection.getInputStream() : connection.getErrorStream()) {
            if (in != null) {
                in.readAllBytes();
            }
        }
        return status;
    }

    @Override
    public void close() {
        // Keep-alive connections are pooled by the JDK per host.
    }
}
