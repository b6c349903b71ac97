package rtkv.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rtkv.infra.ClusterLayout;
import rtkv.infra.LocalCluster;

/**
 * Seeded random requests at every route: mangled paths, parameters, headers and bodies. None may be
 * answered 5xx, every refusal is a JSON error, and nothing is written that was not acknowledged: each
 * acknowledged write bumps exactly one row's version by one, so the versions of the fuzzed tables add
 * up to the number of 2xx writes. Shards and service of its own, with no sweeper: nothing else may
 * write. Set {@code -Drtkv.fuzz.seed} to replay a run, and {@code -Drtkv.fuzz.requests} to change its
 * length (100,000 by default).
 */
class FuzzIT {

    private static final int REQUESTS = Integer.getInteger("rtkv.fuzz.requests", 100_000);
    private static final int THREADS = 4;

    private final long seed = Long.getLong("rtkv.fuzz.seed", System.nanoTime());
    private final String run = ApiFixture.table("fz");
    private final List<String> tables = List.of(run + "-a", run + "-b", run + ".c");
    private final AtomicLong acknowledgedWrites = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong unknownOutcomes = new AtomicLong();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final Map<String, AtomicLong> acksByKey = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, ConcurrentLinkedQueue<String>> history = new java.util.concurrent.ConcurrentHashMap<>();

    private static LocalCluster cluster;
    private static ApiServer server;

    @BeforeAll
    static void start(@TempDir Path dir) {
        cluster = LocalCluster.of(ClusterLayout.onFreePorts(dir, 2)).startShards();
        server = new ApiServer(ApiFixture.config(cluster, Map.of("RTKV_SWEEP_INTERVAL_MS", "0")), Clock.systemUTC()).start();
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

    private static String url(String path) {
        return "http://127.0.0.1:" + server.port() + path;
    }

    @Test
    void noRequestIsAnswered5xxAndNothingIsWrittenThatWasNotAcknowledged() throws Exception {
        System.out.println("FuzzIT seed " + seed + " (-Drtkv.fuzz.seed=" + seed + " replays it), " + REQUESTS + " requests");
        HttpResponse<String> created = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url("/v1/admin/keys")))
                .header("Authorization", "Bearer " + ApiFixture.ADMIN_KEY)
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"fuzz\",\"scopes\":[\"read:" + run + "*\",\"write:"
                        + run + "*\",\"subscribe:" + run + "*\"],\"rateLimit\":10000000}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, created.statusCode(), created.body());
        String key = ApiFixture.JSON.readTree(created.body()).get("key").asText();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            Random random = new Random(seed + t);
            Thread thread = new Thread(() -> fuzz(random, key, REQUESTS / THREADS), "fuzz-" + t);
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join(Duration.ofMinutes(15).toMillis());
            assertFalse(thread.isAlive(), thread.getName() + " did not finish within 15 minutes");
        }
        assertTrue(failures.isEmpty(), failures.size() + " bad answers (seed " + seed + "), for example:\n"
                + String.join("\n", failures.stream().limit(20).toList()));
        assertTrue(sent.get() >= REQUESTS, "sent " + sent.get());
        System.out.println("FuzzIT: " + sent.get() + " requests, " + acknowledgedWrites.get() + " acknowledged writes, "
                + unknownOutcomes.get() + " without an answer");
        // Most of those sent a body far over its limit, which the server refuses before reading it all.
        assertTrue(unknownOutcomes.get() <= REQUESTS / 100, unknownOutcomes.get() + " requests got no answer");
        long versions = versionSum();
        if (versions < acknowledgedWrites.get() || versions > acknowledgedWrites.get() + unknownOutcomes.get()) {
            System.out.println(unexplained());
        }
        assertTrue(versions >= acknowledgedWrites.get(), "every acknowledged write is there (seed " + seed + ")");
        assertTrue(versions <= acknowledgedWrites.get() + unknownOutcomes.get(), versions + " versions for "
                + acknowledgedWrites.get() + " acknowledged writes and " + unknownOutcomes.get()
                + " requests without an answer: a refused request wrote (seed " + seed + ")");
        assertEquals(200, HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url("/readyz"))).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode(), "the service is still up");
    }

    /** For a failure: the keys whose versions were not all acknowledged, with every request that named them. */
    private String unexplained() throws Exception {
        StringBuilder out = new StringBuilder("keys with unacknowledged versions:\n");
        for (String table : tables) {
            try (Connection c = shardOf(table);
                 PreparedStatement s = c.prepareStatement("SELECT k, version, v FROM kv WHERE table_id = ?")) {
                s.setString(1, table);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        String key = table + " " + new String(rs.getBytes(1), StandardCharsets.UTF_8);
                        long acked = acksByKey.getOrDefault(key, new AtomicLong()).get();
                        if (rs.getLong(2) != acked) {
                            out.append(key).append(": version ").append(rs.getLong(2))
                                    .append(", acknowledged ").append(acked).append(", value ").append(rs.getString(3)).append("\n");
                            history.getOrDefault(key, new ConcurrentLinkedQueue<>()).forEach(h -> out.append("    ").append(h).append("\n"));
                        }
                    }
                }
            }
        }
        return out.toString();
    }

    private static Connection shardOf(String table) throws java.sql.SQLException {
        return java.sql.DriverManager.getConnection(cluster.shardJdbcUrl(server.shardOf(table)), cluster.appUser(),
                cluster.appPassword());
    }

    private long versionSum() throws Exception {
        long sum = 0;
        for (String table : tables) {
            try (Connection c = shardOf(table);
                 PreparedStatement s = c.prepareStatement("SELECT COALESCE(SUM(version), 0) FROM kv WHERE table_id = ?")) {
                s.setString(1, table);
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    sum += rs.getLong(1);
                }
            }
        }
        return sum;
    }

    private void fuzz(Random random, String key, int requests) {
        HttpClient http = HttpClient.newHttpClient();
        Inputs inputs = new Inputs(random, tables);
        for (int done = 0; done < requests; ) {
            Inputs.Request request = inputs.next(key);
            HttpRequest.Builder builder;
            try {
                builder = HttpRequest.newBuilder(URI.create(url(request.path())))
                        .timeout(Duration.ofSeconds(30))
                        .method(request.method(), request.body() == null ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofByteArray(request.body()));
                request.headers().forEach(builder::header);
            } catch (IllegalArgumentException e) {
                continue; // not even a request the JDK's client will send: nothing for the server to see
            }
            sent.incrementAndGet();
            done++;
            try {
                check(request, http.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray()));
            } catch (java.io.IOException e) {
                // A refused body may be answered before it is sent whole and the connection reset; the
                // server may close a connection after a refusal while the next request is on its way.
                // Either way the request may or may not have been applied: the check allows for it.
                unknownOutcomes.incrementAndGet();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void check(Inputs.Request request, HttpResponse<byte[]> response) {
        int status = response.statusCode();
        String body = new String(response.body(), StandardCharsets.UTF_8);
        if (status >= 500) {
            failures.add(request + " -> " + status + " " + body);
            return;
        }
        if (status >= 400 && !request.method().equals("HEAD")) {
            try {
                JsonNode error = ApiFixture.JSON.readTree(body);
                if (!error.path("error").isTextual() || !error.path("message").isTextual()) {
                    failures.add(request + " -> " + status + " without a JSON error: " + body);
                }
            } catch (java.io.IOException e) {
                failures.add(request + " -> " + status + " with a body that is not JSON: " + body);
            }
            return;
        }
        // Whatever route the path reached (a trailing "/." or "/" still reaches a key), a write is a 2xx
        // to a method that writes, answering the version it made.
        if (status / 100 == 2 && !request.method().equals("GET") && !request.method().equals("HEAD")) {
            try {
                JsonNode answer = ApiFixture.JSON.readTree(body);
                List<JsonNode> written = new ArrayList<>();
                if (answer.has("results")) {
                    answer.get("results").forEach(written::add);
                } else if (answer.has("version")) {
                    written.add(answer);
                }
                String table = request.path().split("/")[3];
                for (JsonNode result : written) {
                    acknowledgedWrites.incrementAndGet();
                    String key = table + " " + result.get("key").asText();
                    acksByKey.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
                    history.computeIfAbsent(key, k -> new ConcurrentLinkedQueue<>()).add(request + " -> " + status + " " + body);
                }
            } catch (java.io.IOException | RuntimeException e) {
                failures.add(request + " -> 2xx with an unexpected body: " + body + " (" + e + ")");
            }
        }
    }

    /** The generator: structured requests whose every part may be right, wrong or hostile. */
    static final class Inputs {

        record Request(String method, String path, Map<String, String> headers, byte[] body) {
            @Override
            public String toString() {
                String shown = body == null ? "" : new String(body, 0, Math.min(body.length, 120), StandardCharsets.UTF_8);
                return method + " " + (path.length() > 200 ? path.substring(0, 200) + "..." : path) + " " + headers.keySet()
                        + " " + shown;
            }
        }

        private static final String[] METHODS = {"GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS"};
        private static final String[] HOSTILE = {"'; DROP TABLE kv; --", "\" OR 1=1 --", "\\", "%", "_", "a%b_c", "\u0000",
                "a\u0000b", "😀", "\u202Eevil", "ñ", "<script>", "..", "/", "%2F", "%00", "%FF%FE", "%C0%AF", "?", "#", " ",
                "\r\n", "\t", "{}", "[]", "null", "*", "rtkv.keys", "rtkv.settings", "\uFFFF", "𝔘𝔫𝔦"};
        private static final String[] NUMBERS = {"0", "-1", "1", "600", "86400", "315360001", "9223372036854775807",
                "9223372036854775808", "-9223372036854775809", "1e3", "1.5", "00", "-0", "\"600\"", "null", "true", "[]", "{}",
                "1".repeat(400)};
        private static final String[] PARAMS = {"ttl", "prefix", "after", "limit", "x", "", "ttl[]"};

        private final Random random;
        private final List<String> tables;

        Inputs(Random random, List<String> tables) {
            this.random = random;
            this.tables = tables;
        }

        private <T> T pick(T[] options) {
            return options[random.nextInt(options.length)];
        }

        private boolean chance(int percent) {
            return random.nextInt(100) < percent;
        }

        Request next(String apiKey) {
            String method = chance(85) ? pick(new String[] {"GET", "PUT", "POST", "DELETE"}) : pick(METHODS);
            String table = table();
            String key = encoded(text(600));
            String base = "/v1/tables/" + table;
            String path = switch (random.nextInt(9)) {
                case 0, 1 -> base + "/keys/" + key;
                case 2 -> base + "/keys/" + key + "/ttl";
                case 3 -> base + "/keys/" + key + "/incr";
                case 4 -> base + "/keys";
                case 5 -> base + "/batch";
                case 6 -> "/v1/admin/keys" + (chance(50) ? "/" + encoded(text(20)) : "");
                case 7 -> "/" + encoded(text(30)) + "/" + encoded(text(30));
                default -> base + "/keys/" + key + "/" + encoded(text(10));
            };
            if (chance(40)) {
                path += "?" + query();
            }
            Map<String, String> headers = new TreeMap<>();
            if (chance(95)) {
                headers.put("Authorization", chance(95) ? "Bearer " + apiKey : pick(new String[] {"Bearer", "Basic eDp5",
                        "Bearer " + apiKey.substring(0, apiKey.length() - 1), "bearer  " + apiKey, "Bearer rk.admin.x",
                        "Bearer " + text(60)}).replaceAll("[\\r\\n\\x00]", ""));
            }
            if (chance(15)) {
                headers.put("If-Match", headerText(pick(NUMBERS)));
            }
            if (chance(10)) {
                headers.put("If-None-Match", pick(new String[] {"*", "\"*\"", "", "x", "1"}));
            }
            if (chance(10)) {
                headers.put("Content-Type", pick(new String[] {"text/plain", "application/json; charset=latin1", "x/y"}));
            }
            byte[] body = method.equals("GET") || method.equals("HEAD") || chance(5) ? null : body(path);
            return new Request(method, path, headers, body);
        }

        private String table() {
            if (chance(70)) {
                return tables.get(random.nextInt(tables.size()));
            }
            return encoded(chance(50) ? pick(HOSTILE) : text(140));
        }

        private String query() {
            List<String> parts = new ArrayList<>();
            int n = 1 + random.nextInt(3);
            for (int i = 0; i < n; i++) {
                String name = pick(PARAMS);
                String value = switch (name) {
                    case "ttl", "limit" -> chance(70) ? pick(NUMBERS) : text(8);
                    default -> text(40);
                };
                parts.add(encoded(name) + "=" + encoded(value));
            }
            return String.join("&", parts);
        }

        private byte[] body(String path) {
            int kind = random.nextInt(10);
            String text;
            if (kind == 0) {
                byte[] bytes = new byte[random.nextInt(300)];
                random.nextBytes(bytes);
                return bytes;
            } else if (kind == 1) {
                text = "[".repeat(2_000 + random.nextInt(20_000));
            } else if (kind == 2) {
                text = "\"" + "x".repeat(1_000 + random.nextInt(80_000)) + "\"";
            } else if (kind <= 5 && path.endsWith("/batch")) {
                text = batch();
            } else if (kind <= 5) {
                text = "{\"ttl\":" + pick(NUMBERS) + ",\"by\":" + pick(NUMBERS) + (chance(20) ? ",\"" + text(5) + "\":1" : "") + "}";
            } else {
                text = json(3);
            }
            if (chance(25)) {
                text = mangle(text);
            }
            return text.getBytes(StandardCharsets.UTF_8);
        }

        private String batch() {
            StringBuilder ops = new StringBuilder("{\"ops\":[");
            int n = random.nextInt(chance(5) ? 600 : 6);
            for (int i = 0; i < n; i++) {
                ops.append(i == 0 ? "" : ",").append("{\"op\":\"").append(pick(new String[] {"put", "delete", "incr", "get", ""}))
                        .append("\",\"key\":").append(chance(90) ? quoted(text(20)) : pick(NUMBERS));
                if (chance(60)) {
                    ops.append(",\"value\":").append(json(2));
                }
                if (chance(20)) {
                    ops.append(",\"ttl\":").append(pick(NUMBERS));
                }
                if (chance(20)) {
                    ops.append(",\"by\":").append(pick(NUMBERS));
                }
                if (chance(10)) {
                    ops.append(",\"ifMatch\":").append(pick(NUMBERS));
                }
                if (chance(5)) {
                    ops.append(",\"ifNoneMatch\":\"*\"");
                }
                ops.append("}");
            }
            return ops.append("]}").toString();
        }

        private String json(int depth) {
            return switch (depth <= 0 ? random.nextInt(4) : random.nextInt(6)) {
                case 0 -> pick(NUMBERS);
                case 1 -> quoted(text(30));
                case 2 -> "true";
                case 3 -> "null";
                case 4 -> {
                    StringBuilder array = new StringBuilder("[");
                    int n = random.nextInt(4);
                    for (int i = 0; i < n; i++) {
                        array.append(i == 0 ? "" : ",").append(json(depth - 1));
                    }
                    yield array.append("]").toString();
                }
                default -> {
                    StringBuilder object = new StringBuilder("{");
                    int n = random.nextInt(4);
                    for (int i = 0; i < n; i++) {
                        object.append(i == 0 ? "" : ",").append(quoted(text(10))).append(":").append(json(depth - 1));
                    }
                    yield object.append("}").toString();
                }
            };
        }

        /** Inserts, deletes or replaces a few characters anywhere. */
        private String mangle(String text) {
            StringBuilder mangled = new StringBuilder(text);
            int edits = 1 + random.nextInt(3);
            for (int i = 0; i < edits; i++) {
                int at = mangled.length() == 0 ? 0 : random.nextInt(mangled.length());
                switch (random.nextInt(3)) {
                    case 0 -> mangled.insert(at, pick(new String[] {"\"", "{", "}", "[", "]", ",", ":", "\\", "\u0000", "é"}));
                    case 1 -> {
                        if (mangled.length() > 0) {
                            mangled.deleteCharAt(at);
                        }
                    }
                    default -> {
                        if (mangled.length() > 0) {
                            mangled.setCharAt(at, (char) random.nextInt(0x80));
                        }
                    }
                }
            }
            return mangled.toString();
        }

        /** A string of 0 to {@code max} characters, ASCII, Unicode or hostile. */
        private String text(int max) {
            if (chance(20)) {
                return pick(HOSTILE);
            }
            int length = random.nextInt(max + 1);
            StringBuilder text = new StringBuilder(length);
            int alphabet = random.nextInt(3);
            for (int i = 0; i < length; i++) {
                text.appendCodePoint(switch (alphabet) {
                    case 0 -> 'a' + random.nextInt(26);
                    case 1 -> 0x20 + random.nextInt(0x5f);
                    default -> chance(80) ? 0x20 + random.nextInt(0x5f) : 0xa0 + random.nextInt(0x2ff60);
                });
            }
            return text.toString();
        }

        private static String quoted(String text) {
            StringBuilder json = new StringBuilder("\"");
            for (char c : text.toCharArray()) {
                if (c == '"' || c == '\\') {
                    json.append('\\').append(c);
                } else if (c < 0x20) {
                    json.append(String.format("\\u%04x", (int) c));
                } else {
                    json.append(c);
                }
            }
            return json.append('"').toString();
        }

        /** Percent-encodes as a client would, except now and then a raw hostile sequence is left in. */
        private String encoded(String text) {
            if (chance(5) && text.matches("[%0-9A-Fa-f./]*")) {
                return text;
            }
            StringBuilder out = new StringBuilder();
            for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
                int c = b & 0xff;
                if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
                    out.append((char) c);
                } else {
                    out.append('%').append(String.format("%02X", c));
                }
            }
            return out.toString();
        }

        private static String headerText(String text) {
            return text.replaceAll("[\\r\\n\\x00]", "");
        }
    }
}
