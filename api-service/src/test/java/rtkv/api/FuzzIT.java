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
        FuzzInputs inputs = new FuzzInputs(random, tables);
        for (int done = 0; done < requests; ) {
            FuzzInputs.Request request = inputs.next(key);
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

    private void check(FuzzInputs.Request request, HttpResponse<byte[]> response) {
        int status = response.statusCode();
        String body = new String(response.body(), StandardCharsets.UTF_8);
        List<String> outsideTheDocument = ApiContract.problems(request.method(), response.request().uri(),
                response.request().headers().map(), request.body(), status, response.headers().map(), body);
        if (!outsideTheDocument.isEmpty()) {
            failures.add(request + " -> " + status + " " + body + ", outside openapi.yaml: " + outsideTheDocument);
        }
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
}
