package rtkv.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import rtkv.infra.ClusterLayout;
import rtkv.infra.LocalCluster;

/**
 * Two real MariaDB shards and one api-service, started once for all integration tests of this module
 * and stopped after the last one. Each test uses tables of its own. Every exchange made through
 * {@link #callAs} is checked against openapi.yaml ({@link ApiContract}).
 */
final class ApiFixture implements BeforeAllCallback {

    static final ObjectMapper JSON = new ObjectMapper();
    static final int MAX_VALUE_BYTES = 1_024;
    static final int MAX_BATCH_BYTES = 64 * 1_024;
    /** The fixture's admin key; {@link #call} sends it unless a test sends its own Authorization. */
    static final String ADMIN_KEY = "rk.admin.api-fixture-" + "k".repeat(32);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static Running running;

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(Running.class, k -> start(), Running.class);
    }

    private static synchronized Running start() {
        try {
            Path dataDir = Files.createTempDirectory("rtkv-api-it");
            LocalCluster cluster = LocalCluster.of(ClusterLayout.onFreePorts(dataDir, 2)).startShards();
            ApiServer server = new ApiServer(config(cluster, Map.of()), Clock.systemUTC()).start();
            running = new Running(cluster, server);
            return running;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The fixture's configuration, with some settings overridden. */
    static ApiConfig config(LocalCluster cluster, Map<String, String> overrides) {
        Map<String, String> env = new java.util.HashMap<>(Map.of(
                "RTKV_API_PORT", "0",
                "RTKV_SHARDS", cluster.shardJdbcUrl(0) + "," + cluster.shardJdbcUrl(1),
                "RTKV_DB_USER", cluster.appUser(),
                "RTKV_DB_PASSWORD", cluster.appPassword(),
                "RTKV_MAX_VALUE_BYTES", Integer.toString(MAX_VALUE_BYTES),
                "RTKV_MAX_BATCH_BYTES", Integer.toString(MAX_BATCH_BYTES),
                "RTKV_SWEEP_INTERVAL_MS", "100",
                "RTKV_ADMIN_KEY", ADMIN_KEY,
                // The tests present many wrong keys on purpose, all from 127.0.0.1.
                "RTKV_AUTH_FAILURES_PER_ADDRESS", "1000000"));
        env.putAll(overrides);
        return ApiConfig.from(env);
    }

    static LocalCluster cluster() {
        return running.cluster;
    }

    static ApiServer server() {
        return running.server;
    }

    record Running(LocalCluster cluster, ApiServer server) implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        @Override
        public void close() {
            server.close();
            cluster.close();
        }
    }

    record Answer(int status, JsonNode body, Map<String, List<String>> headers) {
        long version() {
            return body.get("version").asLong();
        }

        String error() {
            return body.get("error").asText();
        }
    }

    static String table(String purpose) {
        return purpose + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static String segment(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static String keyPath(String table, String key) {
        return "/v1/tables/" + segment(table) + "/keys/" + segment(key);
    }

    static Answer call(String method, String path, String body, String... headers) {
        return callWithBytes(method, path, body == null ? null : body.getBytes(StandardCharsets.UTF_8), headers);
    }

    static Answer callWithBytes(String method, String path, byte[] body, String... headers) {
        boolean ownKey = false;
        for (int i = 0; i < headers.length; i += 2) {
            ownKey |= headers[i].equalsIgnoreCase("Authorization");
        }
        return callAs(ownKey ? null : ADMIN_KEY, method, path, body, headers);
    }

    /** As {@link #call}, with {@code key} as the bearer key, or with no Authorization at all when null. */
    static Answer callAs(String key, String method, String path, byte[] body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server().port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        try {
            HttpRequest sent = request.build();
            HttpResponse<String> response = HTTP.send(sent, HttpResponse.BodyHandlers.ofString());
            List<String> problems = ApiContract.problems(method, sent.uri(), sent.headers().map(), body, response);
            if (!problems.isEmpty()) {
                throw new AssertionError(method + " " + path + " answered " + response.statusCode() + " " + response.body()
                        + ", which openapi.yaml does not describe: " + problems);
            }
            String contentType = response.headers().firstValue("Content-Type").orElse("");
            JsonNode json = contentType.startsWith("application/json") ? JSON.readTree(response.body()) : null;
            return new Answer(response.statusCode(), json, response.headers().map());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static Answer put(String table, String key, String json, String... headers) {
        return call("PUT", keyPath(table, key), json, headers);
    }

    static Answer get(String table, String key) {
        return call("GET", keyPath(table, key), null);
    }

    static Answer delete(String table, String key, String... headers) {
        return call("DELETE", keyPath(table, key), null, headers);
    }

    /** Runs {@code task} for 0 to {@code tasks - 1} on {@code threads} threads; answers the results in task order. */
    static <T> List<T> inParallel(int threads, int tasks, IntFunction<T> task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < tasks; i++) {
                int n = i;
                futures.add(pool.submit(() -> task.apply(n)));
            }
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get());
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    static Connection shardOf(String table) throws SQLException {
        int shard = server().shardOf(table);
        return DriverManager.getConnection(cluster().shardJdbcUrl(shard), cluster().appUser(), cluster().appPassword());
    }

    /** Every row of the table as "key|value|version|expires_at|expired", tombstones included, in key order. */
    static List<String> rows(String table) throws SQLException {
        try (Connection c = shardOf(table);
             PreparedStatement s = c.prepareStatement(
                     "SELECT k, v, version, expires_at, expired FROM kv WHERE table_id = ? ORDER BY k")) {
            s.setString(1, table);
            List<String> rows = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    rows.add(new String(rs.getBytes(1), StandardCharsets.UTF_8) + "|" + rs.getString(2) + "|"
                            + rs.getLong(3) + "|" + rs.getString(4) + "|" + rs.getBoolean(5));
                }
            }
            return rows;
        }
    }
}
