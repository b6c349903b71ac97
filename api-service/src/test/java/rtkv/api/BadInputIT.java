package rtkv.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static rtkv.api.ApiFixture.call;
import static rtkv.api.ApiFixture.keyPath;
import static rtkv.api.ApiFixture.put;
import static rtkv.api.ApiFixture.rows;
import static rtkv.api.ApiFixture.segment;
import static rtkv.api.ApiFixture.table;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every route refuses bad input with a 4xx and a JSON message, and leaves the shards as they were. */
@ExtendWith(ApiFixture.class)
class BadInputIT {

    record Case(String name, String method, String path, String body, String[] headers, int status) {
    }

    private static Case refused(String name, int status, String method, String path, String body, String... headers) {
        return new Case(name, method, path, body, headers, status);
    }

    private static long rowsOnAllShards() throws Exception {
        long rows = 0;
        for (int shard = 0; shard < 2; shard++) {
            try (Connection c = DriverManager.getConnection(ApiFixture.cluster().shardJdbcUrl(shard),
                    ApiFixture.cluster().appUser(), ApiFixture.cluster().appPassword());
                 Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM kv")) {
                rs.next();
                rows += rs.getLong(1);
            }
        }
        return rows;
    }

    @Test
    void aRequestRefusedFromItsHeadersKeepsTheConnectionForTheNext() {
        // Refused before the body is read: unread, it would make Jetty close the connection after the
        // answer, under a client that may already be sending its next request on it.
        List<String> closed = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            ApiFixture.Answer answer = call("PUT", "/v1/tables/no%20such%20table/keys/k" + i, "{\"n\":" + i + "}");
            assertEquals(400, answer.status());
            if (answer.headers().getOrDefault("connection", List.of()).contains("close")) {
                closed.add("request " + i);
            }
        }
        assertEquals(List.of(), closed, "connections closed after a refusal");
    }

    @Test
    void aRequestJettyRefusesItselfSaysTheConnectionCloses() {
        // Jetty drops the connection after refusing a path it will not decode; unannounced, a client
        // sends its next request on it and gets no answer at all.
        String table = table("nul");
        for (int i = 0; i < 20; i++) {
            ApiFixture.Answer refused = call("PUT", "/v1/tables/" + table + "/keys/a%00b", "1");
            assertEquals(400, refused.status());
            assertEquals(List.of("close"), refused.headers().get("connection"));
            assertEquals(200, call("PUT", keyPath(table, "k" + i), "1").status(), "the request after refusal " + i);
        }
    }

    @Test
    void aChunkedBodyOverTheLimitIsRefusedWithoutReadingItAll() throws Exception {
        String table = table("chunked");
        // Sent without a Content-Length: the server can only stop reading at its limit.
        long size = 64L * 1024 * 1024;
        long[] sentSoFar = new long[1];
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ApiFixture.server().port()
                        + keyPath(table, "k")))
                .header("Authorization", "Bearer " + ApiFixture.ADMIN_KEY)
                .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new InputStream() {
                    @Override
                    public int read() {
                        return sentSoFar[0]++ < size ? ' ' : -1;
                    }

                    @Override
                    public int read(byte[] b, int off, int len) {
                        if (sentSoFar[0] >= size) {
                            return -1;
                        }
                        int n = (int) Math.min(len, size - sentSoFar[0]);
                        java.util.Arrays.fill(b, off, off + n, (byte) ' ');
                        sentSoFar[0] += n;
                        return n;
                    }
                }))
                .build();
        try {
            assertEquals(413, HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.discarding()).statusCode());
        } catch (IOException e) {
            // Jetty answers 413 and closes with the rest unread; the reset may beat the answer to the client.
        }
        assertTrue(sentSoFar[0] < size, "the server stopped reading at its limit, not at the end");
        assertTrue(rows(table).isEmpty());
    }

    @Test
    void everyRouteRefusesBadInputAndWritesNothing() throws Exception {
        String table = table("bad");
        put(table, "k", "{\"n\": 1}");
        put(table, "text", "\"abc\"");
        String key = keyPath(table, "k");
        String batch = "/v1/tables/" + segment(table) + "/batch";
        String list = "/v1/tables/" + segment(table) + "/keys";
        String big = "\"" + "x".repeat(ApiFixture.MAX_VALUE_BYTES) + "\"";
        List<Case> cases = List.of(
                refused("malformed JSON", 400, "PUT", key, "{\"n\":"),
                refused("trailing garbage", 400, "PUT", key, "{} x"),
                refused("empty body", 400, "PUT", key, ""),
                refused("oversized value", 413, "PUT", key, big),
                refused("empty key", 400, "PUT", "/v1/tables/" + segment(table) + "/keys/", "1"),
                refused("oversized key", 400, "PUT", keyPath(table, "k".repeat(513)), "1"),
                refused("illegal table", 400, "PUT", keyPath("no;such table", "k"), "1"),
                refused("too long table", 400, "PUT", keyPath("t".repeat(129), "k"), "1"),
                refused("ttl not a number", 400, "PUT", key + "?ttl=soon", "1"),
                refused("ttl zero", 400, "PUT", key + "?ttl=0", "1"),
                refused("ttl empty", 400, "PUT", key + "?ttl=", "1"),
                refused("If-Match not a version", 400, "PUT", key, "1", "If-Match", "abc"),
                refused("If-Match zero", 400, "PUT", key, "1", "If-Match", "0"),
                refused("If-Match empty", 400, "PUT", key, "1", "If-Match", ""),
                refused("If-Match weak", 400, "PUT", key, "1", "If-Match", "W/\"1\""),
                refused("If-None-Match not *", 400, "PUT", key, "1", "If-None-Match", "\"1\""),
                refused("both preconditions", 400, "PUT", key, "1", "If-Match", "1", "If-None-Match", "*"),
                refused("If-None-Match on delete", 400, "DELETE", key, null, "If-None-Match", "*"),
                refused("stale If-Match", 412, "PUT", key, "2", "If-Match", "7"),
                refused("stale If-Match on delete", 412, "DELETE", key, null, "If-Match", "7"),
                refused("ttl body malformed", 400, "PUT", key + "/ttl", "{\"ttl\":"),
                refused("ttl body wrong type", 400, "PUT", key + "/ttl", "{\"ttl\": \"1h\"}"),
                refused("ttl body fraction", 400, "PUT", key + "/ttl", "{\"ttl\": 1.5}"),
                refused("ttl body missing field", 400, "PUT", key + "/ttl", "{}"),
                refused("ttl body unknown field", 400, "PUT", key + "/ttl", "{\"ttl\": 5, \"x\": 1}"),
                refused("ttl body not an object", 400, "PUT", key + "/ttl", "[5]"),
                refused("ttl of a missing key", 404, "PUT", keyPath(table, "absent") + "/ttl", "{\"ttl\": 5}"),
                refused("incr malformed", 400, "POST", key + "/incr", "{\"by\""),
                refused("incr by a string", 400, "POST", key + "/incr", "{\"by\": \"2\"}"),
                refused("incr by a fraction", 400, "POST", key + "/incr", "{\"by\": 0.5}"),
                refused("incr by too much", 400, "POST", key + "/incr", "{\"by\": 9223372036854775808}"),
                refused("incr of an object", 409, "POST", key + "/incr", "{\"by\": 1}"),
                refused("incr of a string", 409, "POST", keyPath(table, "text") + "/incr", "{}"),
                refused("batch malformed", 400, "POST", batch, "{\"ops\": ["),
                refused("batch not an object", 400, "POST", batch, "[]"),
                refused("batch without ops", 400, "POST", batch, "{}"),
                refused("batch with no operation", 400, "POST", batch, "{\"ops\": []}"),
                refused("batch ops not an array", 400, "POST", batch, "{\"ops\": {}}"),
                refused("batch unknown field", 400, "POST", batch, "{\"ops\": [], \"atomic\": true}"),
                refused("batch operation not an object", 400, "POST", batch, "{\"ops\": [1]}"),
                refused("batch unknown op", 400, "POST", batch, "{\"ops\": [{\"op\": \"upsert\", \"key\": \"k\"}]}"),
                refused("batch op missing", 400, "POST", batch, "{\"ops\": [{\"key\": \"k\"}]}"),
                refused("batch key not a string", 400, "POST", batch, "{\"ops\": [{\"op\": \"delete\", \"key\": 5}]}"),
                refused("batch put without value", 400, "POST", batch, "{\"ops\": [{\"op\": \"put\", \"key\": \"k\"}]}"),
                refused("batch field of another op", 400, "POST", batch,
                        "{\"ops\": [{\"op\": \"delete\", \"key\": \"k\", \"value\": 1}]}"),
                refused("batch oversized value", 413, "POST", batch,
                        "{\"ops\": [{\"op\": \"put\", \"key\": \"k\", \"value\": " + big + "}]}"),
                refused("batch oversized body", 413, "POST", batch,
                        "{\"ops\": [" + "{\"op\": \"incr\", \"key\": \"k\"},".repeat(2_000) + "]}"),
                refused("batch bad ifMatch", 400, "POST", batch,
                        "{\"ops\": [{\"op\": \"put\", \"key\": \"k\", \"value\": 1, \"ifMatch\": \"x\"}]}"),
                refused("batch bad ttl", 400, "POST", batch,
                        "{\"ops\": [{\"op\": \"put\", \"key\": \"k\", \"value\": 1, \"ttl\": -1}]}"),
                refused("a cap under a pattern with an inner *", 400, "PUT", keyPath("rtkv.settings", "art*cle.*"),
                        "{\"maxSubscribers\": 5}"),
                refused("a cap under a name no table has", 400, "PUT", keyPath("rtkv.settings", "no such table"),
                        "{\"maxSubscribers\": 5}"),
                refused("a negative cap", 400, "PUT", keyPath("rtkv.settings", table), "{\"maxSubscribers\": -1}"),
                refused("a cap with another field", 400, "PUT", keyPath("rtkv.settings", "bad.*"),
                        "{\"maxSubscribers\": 5, \"x\": 1}"),
                refused("a cap that is a number", 400, "PUT", keyPath("rtkv.settings", table), "5"),
                refused("a cap incremented", 400, "POST", keyPath("rtkv.settings", table) + "/incr", "{}"),
                refused("a bad cap in a batch", 400, "POST", "/v1/tables/rtkv.settings/batch", "{\"ops\": [{\"op\": \"put\","
                        + " \"key\": \"bad.*\", \"value\": {\"maxSubscribers\": 1}}, {\"op\": \"put\", \"key\": \"bad\","
                        + " \"value\": 1}]}"),
                refused("a delete with a body, maybe meant as its condition", 400, "DELETE", key, "{\"ifMatch\": 1}"),
                refused("list prefix given twice", 400, "GET", list + "?prefix=a&prefix=b", null),
                refused("list limit given twice", 400, "GET", list + "?limit=1&limit=2", null),
                refused("list limit too big", 400, "GET", list + "?limit=1001", null),
                refused("list limit not a number", 400, "GET", list + "?limit=ten", null),
                refused("list prefix too long", 400, "GET", list + "?prefix=" + "p".repeat(513), null),
                refused("unknown route", 404, "GET", "/v1/nothing", null),
                refused("unknown route under a table", 404, "GET", "/v1/tables/" + table + "/rows", null),
                refused("wrong method", 405, "POST", key, "1"),
                refused("wrong method on batch", 405, "GET", batch, null),
                refused("wrong method on incr", 405, "GET", key + "/incr", null));

        List<String> before = rows(table);
        long everything = rowsOnAllShards();
        List<String> wrong = new ArrayList<>();
        for (Case c : cases) {
            ApiFixture.Answer answer = call(c.method(), c.path(), c.body(), c.headers());
            if (answer.status() != c.status() || answer.body() == null || !answer.body().hasNonNull("error")
                    || answer.body().get("message").asText().isBlank()) {
                wrong.add(c.name() + ": " + answer.status() + " " + answer.body());
            }
        }
        ApiFixture.Answer notUtf8 = ApiFixture.callWithBytes("PUT", key, new byte[] {'"', (byte) 0xC3, (byte) 0x28, '"'});
        if (notUtf8.status() != 400) {
            wrong.add("not UTF-8: " + notUtf8.status() + " " + notUtf8.body());
        }
        int head = call("HEAD", key, null).status();
        if (head != 405) {
            wrong.add("HEAD of a key: " + head + ", as if it said whether the key exists");
        }
        assertTrue(wrong.isEmpty(), "answered wrongly:\n" + String.join("\n", wrong));
        assertEquals(before, rows(table), "the table is unchanged");
        assertEquals(everything, rowsOnAllShards(), "no row was added anywhere");
    }
}
