package rtkv.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static rtkv.api.ApiFixture.call;
import static rtkv.api.ApiFixture.delete;
import static rtkv.api.ApiFixture.put;
import static rtkv.api.ApiFixture.segment;
import static rtkv.api.ApiFixture.table;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** GET /v1/tables/{table}/keys: live keys in key order, a page at a time. */
@ExtendWith(ApiFixture.class)
class ListingIT {

    private static ApiFixture.Answer list(String table, String query) {
        return call("GET", "/v1/tables/" + segment(table) + "/keys" + query, null);
    }

    /** Every key of every page, following the cursor. */
    private static List<String> all(String table, String query, int limit) {
        List<String> keys = new ArrayList<>();
        String after = null;
        do {
            String cursor = after == null ? "" : "&after=" + segment(after);
            ApiFixture.Answer page = list(table, "?limit=" + limit + query + cursor);
            assertEquals(200, page.status(), page.body().toString());
            for (JsonNode entry : page.body().get("keys")) {
                keys.add(entry.get("key").asText());
            }
            after = page.body().get("next").isNull() ? null : page.body().get("next").asText();
        } while (after != null);
        return keys;
    }

    @Test
    void pagesReturnEveryLiveKeyOnceWhileWritesGoOn() throws Exception {
        String table = table("list");
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            String key = String.format("key-%04d", i);
            put(table, key, Integer.toString(i));
            expected.add(key);
        }
        AtomicBoolean listing = new AtomicBoolean(true);
        ExecutorService writer = Executors.newSingleThreadExecutor();
        Future<?> writing = writer.submit(() -> {
            for (int i = 0; listing.get(); i++) {
                // Values of listed keys change, other keys come and go: none of it may move a listed key.
                put(table, String.format("key-%04d", i % 250), "\"updated\"");
                put(table, "churn-" + i, "1");
                delete(table, "churn-" + i);
            }
            return null;
        });
        try {
            for (int round = 0; round < 3; round++) {
                List<String> keys = all(table, "&prefix=key-", 7);
                assertEquals(expected, keys);
            }
        } finally {
            listing.set(false);
            writer.shutdown();
        }
        writing.get();
    }

    @Test
    void prefixAfterAndLimitNarrowTheListing() {
        String table = table("list-narrow");
        for (String key : List.of("a", "ab", "abc", "abd", "b", "é", "éa")) {
            put(table, key, "1");
        }
        put(table, "dead", "1");
        delete(table, "dead");

        assertEquals(List.of("ab", "abc", "abd"), all(table, "&prefix=ab", 2));
        assertEquals(List.of("abd", "b"), all(table, "&after=abc&prefix=", 100).subList(0, 2));
        assertEquals(List.of("é", "éa"), all(table, "&prefix=" + segment("é"), 1));
        ApiFixture.Answer first = list(table, "?limit=2");
        assertEquals(2, first.body().get("keys").size());
        assertEquals("ab", first.body().get("next").asText());
        assertTrue(list(table, "").body().get("keys").size() >= 7);
        assertTrue(!all(table, "", 100).contains("dead"), "tombstones are never listed");
    }

    @Test
    void theValueVersionAndExpiryAreListed() {
        String table = table("list-fields");
        call("PUT", ApiFixture.keyPath(table, "k") + "?ttl=600", "{\"n\": 1}");
        JsonNode entry = list(table, "").body().get("keys").get(0);
        assertEquals("k", entry.get("key").asText());
        assertEquals(1, entry.get("value").get("n").asInt());
        assertEquals(1, entry.get("version").asLong());
        assertTrue(entry.get("expiresAt").asLong() > System.currentTimeMillis());
    }
}
