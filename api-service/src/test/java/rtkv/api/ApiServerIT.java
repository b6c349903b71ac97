package rtkv.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static rtkv.api.ApiFixture.JSON;
import static rtkv.api.ApiFixture.call;
import static rtkv.api.ApiFixture.delete;
import static rtkv.api.ApiFixture.get;
import static rtkv.api.ApiFixture.put;
import static rtkv.api.ApiFixture.rows;
import static rtkv.api.ApiFixture.table;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import rtkv.schema.ShardMap;

/** Put, get and delete against two real MariaDB shards. */
@ExtendWith(ApiFixture.class)
class ApiServerIT {

    @Test
    void versionsGrowAcrossUpdateDeleteAndRecreate() throws Exception {
        String table = table("versions");

        ApiFixture.Answer created = put(table, "a", "{\"n\": 1}");
        assertEquals(200, created.status());
        assertEquals("a", created.body().get("key").asText());
        assertEquals(1, created.version());
        assertTrue(created.body().get("expiresAt").isNull());
        assertEquals(List.of("\"1\""), created.headers().get("etag"));

        ApiFixture.Answer read = get(table, "a");
        assertEquals(200, read.status());
        assertEquals(JSON.readTree("{\"n\":1}"), read.body().get("value"));
        assertEquals(1, read.version());

        assertEquals(2, put(table, "a", "[1,2]").version());
        ApiFixture.Answer deleted = delete(table, "a");
        assertEquals(200, deleted.status());
        assertEquals(3, deleted.version());
        assertEquals(404, get(table, "a").status());
        assertEquals("not_found", delete(table, "a").error());
        assertEquals(4, put(table, "a", "\"back\"").version(), "a re-created key continues after its tombstone");
        assertEquals("back", get(table, "a").body().get("value").asText());
    }

    @Test
    void keysRoundTripExactly() {
        String table = table("keys");
        for (String key : List.of("a/b", "ü ñ 😀", "'; DROP TABLE kv; --", "100%", "a?b#c", "x/ttl", "x/incr",
                "x".repeat(512))) {
            assertEquals(200, put(table, key, "{\"k\":\"" + key.length() + "\"}").status(), key);
            ApiFixture.Answer read = get(table, key);
            assertEquals(200, read.status(), key);
            assertEquals(key, read.body().get("key").asText());
        }
    }

    @Test
    void valuesKeepTheirNumbersExactly() throws Exception {
        String path = ApiFixture.keyPath(table("numbers"), "n");
        call("PUT", path, "{\"big\": 12345678901234567890123, \"pi\": 3.14159265358979323846264338327950288}");

        String raw = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + ApiFixture.server().port() + path))
                        .header("Authorization", "Bearer " + ApiFixture.ADMIN_KEY).build(),
                HttpResponse.BodyHandlers.ofString()).body();

        assertTrue(raw.contains("{\"big\":12345678901234567890123,\"pi\":3.14159265358979323846264338327950288}"), raw);
    }

    @Test
    void eachTableLivesOnTheShardItsBucketMapsTo() throws Exception {
        ShardMap map = ShardMap.evenlySplit(2);
        for (int i = 0; i < 6; i++) {
            String table = "routing-" + i + "-" + UUID.randomUUID().toString().substring(0, 6);
            put(table, "k", "1");
            int owner = map.shardOf(table);
            for (int shard = 0; shard < 2; shard++) {
                try (Connection c = DriverManager.getConnection(ApiFixture.cluster().shardJdbcUrl(shard),
                        ApiFixture.cluster().appUser(), ApiFixture.cluster().appPassword());
                     PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM kv WHERE table_id = ?")) {
                    s.setString(1, table);
                    try (ResultSet rs = s.executeQuery()) {
                        rs.next();
                        assertEquals(shard == owner ? 1 : 0, rs.getInt(1), table + " on shard " + shard);
                    }
                }
            }
        }
    }

    @Test
    void concurrentWritesToOneKeyEachGetTheirOwnVersion() throws Exception {
        String table = table("hot");
        Set<Long> seen = new HashSet<>(ApiFixture.inParallel(8, 200, n -> put(table, "hot", Integer.toString(n)).version()));
        assertEquals(200, seen.size(), "no two writes got the same version");
        assertEquals(200L, seen.stream().mapToLong(Long::longValue).max().orElseThrow());
        assertEquals(200, get(table, "hot").version());
        assertEquals(1, rows(table).size());
    }

    @Test
    void servesItsOpenApiDescriptionListingEveryRoute() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + ApiFixture.server().port() + "/v1/openapi.yaml")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertEquals(200, response.statusCode());
        JsonNode document = new ObjectMapper(new YAMLFactory()).readTree(response.body());
        JsonNode paths = document.get("paths");
        assertEquals("bearer", document.at("/components/securitySchemes/bearer/scheme").asText(), "keys are documented");
        Map<String, List<String>> routes = Map.of(
                "/v1/tables/{table}/keys/{key}", List.of("put", "get", "delete"),
                "/v1/tables/{table}/keys/{key}/ttl", List.of("put"),
                "/v1/tables/{table}/keys/{key}/incr", List.of("post"),
                "/v1/tables/{table}/keys", List.of("get"),
                "/v1/tables/{table}/batch", List.of("post"),
                "/v1/admin/keys", List.of("post", "get"),
                "/v1/admin/keys/{id}", List.of("get", "delete"),
                "/metrics", List.of("get"));
        routes.forEach((path, methods) -> methods.forEach(method ->
                assertTrue(paths.path(path).has(method), method + " " + path + " is documented")));
        Map<String, String> writes = Map.of("/v1/tables/{table}/keys/{key}", "put", "/v1/tables/{table}/keys/{key}/ttl", "put",
                "/v1/tables/{table}/keys/{key}/incr", "post", "/v1/tables/{table}/batch", "post");
        writes.forEach((path, method) -> assertTrue(paths.path(path).path(method).path("parameters").toString()
                .contains("idempotencyKey"), method + " " + path + " takes an Idempotency-Key"));
        assertTrue(paths.path("/v1/tables/{table}/keys/{key}").path("delete").path("parameters").toString()
                .contains("idempotencyKey"), "delete takes an Idempotency-Key");
    }

    @Test
    void everyRouteIsInTheDocumentAndEveryOperationOfItIsARoute() throws Exception {
        JsonNode paths = new ObjectMapper(new YAMLFactory()).readTree(ApiContract.DOCUMENT).get("paths");
        Set<String> documented = new HashSet<>();
        paths.fields().forEachRemaining(path -> path.getValue().fieldNames().forEachRemaining(method -> {
            if (Set.of("get", "put", "post", "delete", "patch").contains(method)) {
                documented.add(method.toUpperCase(java.util.Locale.ROOT) + " " + path.getKey());
            }
        }));

        assertEquals(documented, new HashSet<>(ApiFixture.server().routes()));
    }

    @Test
    void readyWhenEveryShardAnswers() {
        assertEquals(200, call("GET", "/readyz", null).status());
    }
}
