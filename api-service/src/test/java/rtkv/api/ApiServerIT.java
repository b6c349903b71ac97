package rtkv.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rtkv.infra.ClusterLayout;
import rtkv.infra.LocalCluster;
import rtkv.schema.ShardMap;

/** api-service in-process against two real MariaDB shards. */
class ApiServerIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path dataDir;
    static LocalCluster cluster;
    static ApiServer server;

    @BeforeAll
    static void start() {
        cluster = LocalCluster.of(ClusterLayout.onFreePorts(dataDir, 2)).startShards();
        server = new ApiServer(ApiConfig.from(Map.of(
                "RTKV_API_PORT", "0",
                "RTKV_SHARDS", cluster.shardJdbcUrl(0) + "," + cluster.shardJdbcUrl(1),
                "RTKV_DB_USER", cluster.appUser(),
                "RTKV_DB_PASSWORD", cluster.appPassword(),
                "RTKV_MAX_VALUE_BYTES", "1024"))).start();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    record Answer(int status, JsonNode body) {
    }

    private static Answer call(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals("application/json", response.headers().firstValue("Content-Type").orElse("").split(";")[0],
                method + " " + path + " answers JSON");
        return new Answer(response.statusCode(), JSON.readTree(response.body()));
    }

    private static String keyPath(String table, String key) {
        return "/v1/tables/" + table + "/keys/" + URLEncoder.encode(key, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String table() {
        return "api-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static int rowsOf(String table) throws Exception {
        int rows = 0;
        for (int shard = 0; shard < 2; shard++) {
            try (Connection c = DriverManager.getConnection(cluster.shardJdbcUrl(shard), cluster.appUser(), cluster.appPassword());
                 PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM kv WHERE table_id = ?")) {
                s.setString(1, table);
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    rows += rs.getInt(1);
                }
            }
        }
        return rows;
    }

    @Test
    void versionsGrowAcrossUpdateDeleteAndRecreate() throws Exception {
        String path = keyPath(table(), "a");

        Answer created = call("PUT", path, "{\"n\": 1}");
        assertEquals(200, created.status());
        assertEquals("a", created.body().get("key").asText());
        assertEquals(1, created.body().get("version").asLong());
        assertTrue(created.body().get("expiresAt").isNull());

        Answer read = call("GET", path, null);
        assertEquals(200, read.status());
        assertEquals(JSON.readTree("{\"n\":1}"), read.body().get("value"));
        assertEquals(1, read.body().get("version").asLong());

        assertEquals(2, call("PUT", path, "[1,2]").body().get("version").asLong());
        Answer deleted = call("DELETE", path, null);
        assertEquals(200, deleted.status());
        assertEquals(3, deleted.body().get("version").asLong());
        assertEquals(404, call("GET", path, null).status());
        assertEquals("not_found", call("DELETE", path, null).body().get("error").asText());
        assertEquals(4, call("PUT", path, "\"back\"").body().get("version").asLong());
        assertEquals("back", call("GET", path, null).body().get("value").asText());
    }

    @Test
    void keysRoundTripExactly() throws Exception {
        String table = table();
        for (String key : List.of("a/b", "ü ñ 😀", "'; DROP TABLE kv; --", "100%", "a?b#c", "x".repeat(512))) {
            assertEquals(200, call("PUT", keyPath(table, key), "{\"k\":\"" + key.length() + "\"}").status(), key);
            Answer read = call("GET", keyPath(table, key), null);
            assertEquals(200, read.status(), key);
            assertEquals(key, read.body().get("key").asText());
        }
    }

    @Test
    void valuesKeepTheirNumbersExactly() throws Exception {
        String path = keyPath(table(), "n");
        call("PUT", path, "{\"big\": 12345678901234567890123, \"pi\": 3.14159265358979323846264338327950288}");

        String raw = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body();

        assertTrue(raw.contains("{\"big\":12345678901234567890123,\"pi\":3.14159265358979323846264338327950288}"), raw);
    }

    @Test
    void eachTableLivesOnTheShardItsBucketMapsTo() throws Exception {
        ShardMap map = ShardMap.evenlySplit(2);
        for (int i = 0; i < 6; i++) {
            String table = "routing-" + i + "-" + UUID.randomUUID().toString().substring(0, 6);
            call("PUT", keyPath(table, "k"), "1");
            int owner = map.shardOf(table);
            try (Connection c = DriverManager.getConnection(cluster.shardJdbcUrl(owner), cluster.appUser(), cluster.appPassword());
                 PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM kv WHERE table_id = ?")) {
                s.setString(1, table);
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    assertEquals(1, rs.getInt(1), table + " is on shard " + owner);
                }
            }
            assertEquals(1, rowsOf(table), table + " is on one shard only");
        }
    }

    @Test
    void badInputIsRefusedWithAJsonErrorAndWritesNothing() throws Exception {
        String table = table();
        Map<String, Answer> answers = Map.of(
                "malformed JSON", call("PUT", keyPath(table, "k"), "{\"n\": "),
                "two JSON values", call("PUT", keyPath(table, "k"), "1 2"),
                "empty body", call("PUT", keyPath(table, "k"), ""),
                "empty key", call("PUT", "/v1/tables/" + table + "/keys/", "1"),
                "oversized key", call("PUT", keyPath(table, "x".repeat(513)), "1"),
                "oversized key in UTF-8", call("PUT", keyPath(table, "é".repeat(257)), "1"),
                "illegal table name", call("PUT", keyPath("bad%20table!", "k"), "1"),
                "too long table name", call("PUT", keyPath("t".repeat(129), "k"), "1"));
        for (Map.Entry<String, Answer> answer : answers.entrySet()) {
            assertEquals(400, answer.getValue().status(), answer.getKey());
            assertTrue(answer.getValue().body().get("error").asText().startsWith("invalid_"), answer.getKey());
            assertTrue(!answer.getValue().body().get("message").asText().isBlank(), answer.getKey());
        }
        Answer tooLarge = call("PUT", keyPath(table, "k"), "\"" + "x".repeat(2_000) + "\"");
        assertEquals(413, tooLarge.status());
        assertEquals("value_too_large", tooLarge.body().get("error").asText());
        assertEquals(0, rowsOf(table), "nothing was written");
    }

    @Test
    void unknownRoutesAnswerJson() throws Exception {
        Answer answer = call("GET", "/v1/nothing", null);
        assertEquals(404, answer.status());
        assertEquals("not_found", answer.body().get("error").asText());
    }

    @Test
    void concurrentWritesToOneKeyEachGetTheirOwnVersion() throws Exception {
        String path = keyPath(table(), "hot");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Long>> versions = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                int n = i;
                versions.add(pool.submit(() -> call("PUT", path, Integer.toString(n)).body().get("version").asLong()));
            }
            Set<Long> seen = new HashSet<>();
            for (Future<Long> version : versions) {
                seen.add(version.get());
            }
            assertEquals(200, seen.size(), "no two writes got the same version");
            assertEquals(200L, seen.stream().mapToLong(Long::longValue).max().orElseThrow());
        } finally {
            pool.shutdownNow();
        }
        assertEquals(200, call("GET", path, null).body().get("version").asLong());
    }

    @Test
    void servesItsOpenApiDescriptionListingEveryKeyRoute() throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + "/v1/openapi.yaml")).build(), HttpResponse.BodyHandlers.ofString());

        assertEquals(200, response.statusCode());
        assertTrue(response.body().startsWith("openapi: 3.1.0"));
        String keyPath = response.body().split("\n  /v1/tables/\\{table}/keys/\\{key}:\n", 2)[1].split("\n  /", 2)[0];
        for (String method : List.of("put:", "get:", "delete:")) {
            assertTrue(keyPath.contains("\n    " + method), method + " is documented");
        }
    }

    @Test
    void readyWhenEveryShardAnswers() throws Exception {
        assertEquals(200, call("GET", "/readyz", null).status());
    }
}
