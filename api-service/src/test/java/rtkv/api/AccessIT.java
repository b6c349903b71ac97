package rtkv.api;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static rtkv.api.ApiFixture.call;
import static rtkv.api.ApiFixture.callAs;
import static rtkv.api.ApiFixture.keyPath;
import static rtkv.api.ApiFixture.put;
import static rtkv.api.ApiFixture.rows;
import static rtkv.api.ApiFixture.segment;
import static rtkv.api.ApiFixture.table;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** API keys through HTTP: who gets in (401), what a key may touch (403), how fast (429), and the admin API. */
@ExtendWith(ApiFixture.class)
class AccessIT {

    record Route(String method, String path, String body) {
        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    /** Creates a key through the admin API and answers the whole key. */
    static String createKey(String body) {
        ApiFixture.Answer created = call("POST", "/v1/admin/keys", body);
        assertEquals(201, created.status(), String.valueOf(created.body()));
        return created.body().get("key").asText();
    }

    static String keyWith(String... scopes) {
        return createKey("{\"name\":\"test\",\"scopes\":[\"" + String.join("\",\"", scopes) + "\"]}");
    }

    static String idOf(String key) {
        return key.split("\\.")[1];
    }

    private static ApiFixture.Answer as(String key, Route route) {
        return callAs(key, route.method(), route.path(), route.body() == null ? null : route.body().getBytes(StandardCharsets.UTF_8));
    }

    private static List<Route> everyRoute(String table, String someKeyId) {
        String base = "/v1/tables/" + segment(table);
        return List.of(
                new Route("PUT", keyPath(table, "new"), "{\"a\":1}"),
                new Route("PUT", keyPath(table, "new") + "?ttl=60", "{\"a\":1}"),
                new Route("GET", keyPath(table, "existing"), null),
                new Route("DELETE", keyPath(table, "existing"), null),
                new Route("PUT", keyPath(table, "existing") + "/ttl", "{\"ttl\":60}"),
                new Route("POST", keyPath(table, "counter") + "/incr", "{\"by\":1}"),
                new Route("POST", base + "/batch", "{\"ops\":[{\"op\":\"put\",\"key\":\"b\",\"value\":1},"
                        + "{\"op\":\"delete\",\"key\":\"existing\"}]}"),
                new Route("GET", base + "/keys?limit=10", null),
                new Route("POST", "/v1/admin/keys", "{\"name\":\"sneaky\",\"scopes\":[\"write:*\"]}"),
                new Route("GET", "/v1/admin/keys", null),
                new Route("GET", "/v1/admin/keys/" + someKeyId, null),
                new Route("DELETE", "/v1/admin/keys/" + someKeyId, null));
    }

    @Test
    void everyRouteRefusesMissingWrongRevokedExpiredAndForeignKeysAndWritesNothing() throws Exception {
        String table = table("guarded");
        assertEquals(200, put(table, "existing", "{\"kept\":true}").status());
        String foreignTable = table("elsewhere");
        String foreign = keyWith("read:" + foreignTable, "write:" + foreignTable, "subscribe:" + foreignTable);
        String revoked = keyWith("read:" + table, "write:" + table);
        assertEquals(200, call("DELETE", "/v1/admin/keys/" + idOf(revoked), null).status());
        String expired = createKey("{\"name\":\"short-lived\",\"scopes\":[\"read:" + table + "\",\"write:" + table
                + "\"],\"ttl\":1}");
        await("the key's second is over").atMost(Duration.ofSeconds(10))
                .until(() -> as(expired, new Route("GET", keyPath(table, "existing"), null)).status() == 401);

        Map<String, String> unauthorized = new LinkedHashMap<>();
        unauthorized.put("no key", null);
        unauthorized.put("not a key", "hunter2");
        unauthorized.put("an unknown key", "rk.0123456789abcdef." + "A".repeat(43));
        unauthorized.put("a forged secret", foreign.substring(0, foreign.length() - 3) + "xyz");
        unauthorized.put("a revoked key", revoked);
        unauthorized.put("an expired key", expired);
        List<String> rowsBefore = rows(table);
        int keysBefore = call("GET", "/v1/admin/keys?limit=1000", null).body().get("keys").size();

        List<String> wrong = new ArrayList<>();
        for (Route route : everyRoute(table, idOf(foreign))) {
            unauthorized.forEach((what, key) -> {
                ApiFixture.Answer answer = as(key, route);
                if (answer.status() != 401 || !"unauthorized".equals(answer.body().path("error").asText())
                        || !answer.headers().containsKey("www-authenticate")) {
                    wrong.add(route + " with " + what + ": " + answer.status() + " " + answer.body());
                }
            });
            ApiFixture.Answer answer = as(foreign, route);
            if (answer.status() != 403 || !"forbidden".equals(answer.body().path("error").asText())) {
                wrong.add(route + " with a key for another table: " + answer.status() + " " + answer.body());
            }
        }
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));

        assertEquals(rowsBefore, rows(table), "nothing was written");
        assertEquals(keysBefore, call("GET", "/v1/admin/keys?limit=1000", null).body().get("keys").size(), "no key was made");
        JsonNode stillValid = call("GET", "/v1/admin/keys/" + idOf(foreign), null).body();
        assertTrue(stillValid.get("revokedAt").isNull(), "no key was revoked: " + stillValid);
    }

    @Test
    void aKeyReachesExactlyWhatItsScopesName() {
        String prefix = table("articles") + ".";
        String reader = keyWith("read:" + prefix + "*");
        String writer = keyWith("write:" + prefix + "*");
        String article = prefix + "42";
        String lookalike = prefix.substring(0, prefix.length() - 1) + "x.42";

        assertEquals(200, callAs(writer, "PUT", keyPath(article, "claps"), "1".getBytes()).status());
        assertEquals(403, callAs(writer, "GET", keyPath(article, "claps"), null).status(), "write does not imply read");
        assertEquals(200, callAs(reader, "GET", keyPath(article, "claps"), null).status());
        assertEquals(200, callAs(reader, "GET", "/v1/tables/" + article + "/keys", null).status());
        assertEquals(403, callAs(reader, "PUT", keyPath(article, "claps"), "2".getBytes()).status(), "read does not imply write");
        assertEquals(403, callAs(writer, "PUT", keyPath(lookalike, "claps"), "1".getBytes()).status(), "the prefix is exact");
        assertEquals(403, callAs(keyWith("write:*"), "PUT", keyPath("rtkv.settings", article), "{}".getBytes()).status(),
                "no scope reaches the system's tables");

        ApiFixture.Answer keysTable = call("GET", "/v1/tables/rtkv.keys/keys", null);
        assertEquals(403, keysTable.status(), "not even the admin key reads the keys' hashes as a table");
        assertTrue(keysTable.body().get("message").asText().contains("/v1/admin/keys"), keysTable.body().toString());
        assertEquals(403, call("PUT", keyPath("rtkv.keys", "0123456789abcdef"), "{}").status());
    }

    @Test
    void theAdminApiCreatesListsAndRevokesKeysAndNeverShowsASecretTwice() {
        ApiFixture.Answer created = call("POST", "/v1/admin/keys",
                "{\"name\":\"billing service\",\"scopes\":[\"read:billing.*\",\"write:billing.*\"],\"ttl\":3600,\"rateLimit\":50}");
        assertEquals(201, created.status());
        JsonNode key = created.body();
        String id = key.get("id").asText();
        assertTrue(key.get("key").asText().startsWith("rk." + id + "."), key.toString());
        assertEquals("billing service", key.get("name").asText());
        assertEquals("[\"read:billing.*\",\"write:billing.*\"]", key.get("scopes").toString());
        assertEquals(50, key.get("rateLimit").asInt());
        assertTrue(key.get("expiresAt").asLong() > key.get("createdAt").asLong() + 3_500_000);
        assertFalse(key.has("hash"));

        JsonNode shown = call("GET", "/v1/admin/keys/" + id, null).body();
        assertFalse(shown.has("key") || shown.has("hash"), "the secret is shown once: " + shown);
        assertEquals("billing service", shown.get("name").asText());
        boolean listed = false;
        String after = "";
        do {
            JsonNode page = call("GET", "/v1/admin/keys?limit=2&after=" + after, null).body();
            for (JsonNode k : page.get("keys")) {
                listed |= k.get("id").asText().equals(id);
                assertFalse(k.has("hash") || k.has("key"), k.toString());
            }
            after = page.get("next").isNull() ? null : page.get("next").asText();
        } while (after != null);
        assertTrue(listed, "the new key is listed");

        assertEquals(404, callAs(key.get("key").asText(), "GET", keyPath("billing.eu", "x"), null).status(),
                "the key reads its tables");
        ApiFixture.Answer revoked = call("DELETE", "/v1/admin/keys/" + id, null);
        assertEquals(200, revoked.status());
        long revokedAt = revoked.body().get("revokedAt").asLong();
        assertTrue(revokedAt > 0);
        assertEquals(401, callAs(key.get("key").asText(), "GET", keyPath("billing.eu", "x"), null).status(),
                "revoked at once on the instance that revoked it");
        assertEquals(revokedAt, call("DELETE", "/v1/admin/keys/" + id, null).body().get("revokedAt").asLong(),
                "revoking twice changes nothing");

        assertEquals(404, call("GET", "/v1/admin/keys/0000000000000000", null).status());
        assertEquals(404, call("DELETE", "/v1/admin/keys/0000000000000000", null).status());
        assertEquals("invalid_key_id", call("GET", "/v1/admin/keys/nope", null).error());
        assertEquals("invalid_scope", call("POST", "/v1/admin/keys", "{\"name\":\"x\",\"scopes\":[\"admin:*\"]}").error());
        assertEquals("invalid_scope", call("POST", "/v1/admin/keys", "{\"name\":\"x\",\"scopes\":[\"read:rtkv.keys\"]}").error());
        assertEquals("invalid_field", call("POST", "/v1/admin/keys", "{\"scopes\":[\"read:*\"]}").error());
        assertEquals("invalid_field", call("POST", "/v1/admin/keys", "{\"name\":\"x\",\"scopes\":[]}").error());
        assertEquals("invalid_field", call("POST", "/v1/admin/keys", "{\"name\":\"x\",\"scopes\":[\"read:*\"],\"ttl\":0}").error());
        assertEquals("invalid_field", call("POST", "/v1/admin/keys", "{\"name\":\"x\",\"scopes\":[\"read:*\"],\"owner\":1}").error());
    }

    @Test
    void aKeyOverItsRateIsAnswered429WithRetryAfterAndOthersAreNotSlowed() {
        String table = table("rated");
        String slow = createKey("{\"name\":\"slow\",\"scopes\":[\"read:" + table + "\"],\"rateLimit\":1}");
        String other = keyWith("read:" + table);
        List<ApiFixture.Answer> answers = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            answers.add(callAs(slow, "GET", keyPath(table, "k"), null));
        }
        ApiFixture.Answer limited = answers.stream().filter(a -> a.status() == 429).findFirst().orElse(null);
        assertNotNull(limited, "10 requests at once from a key allowed 1 per second");
        assertEquals("too_many_requests", limited.error());
        assertTrue(Long.parseLong(limited.headers().get("retry-after").get(0)) >= 1);
        assertEquals(404, answers.get(0).status(), "the first went through");
        assertEquals(404, callAs(other, "GET", keyPath(table, "k"), null).status(), "another key has its own rate");
    }
}
