package rtkv.api;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static rtkv.api.ApiFixture.call;
import static rtkv.api.ApiFixture.delete;
import static rtkv.api.ApiFixture.get;
import static rtkv.api.ApiFixture.keyPath;
import static rtkv.api.ApiFixture.put;
import static rtkv.api.ApiFixture.rows;
import static rtkv.api.ApiFixture.table;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import rtkv.api.store.Shards;
import rtkv.api.store.Sweeper;

/** Idempotency-Key: a write retried with the key it was sent with is answered again, not applied again. */
@ExtendWith(ApiFixture.class)
class IdempotencyIT {

    private static final String KEY = "Idempotency-Key";

    private static String replayed(ApiFixture.Answer answer) {
        List<String> values = answer.headers().get("idempotent-replayed");
        return values == null ? null : values.get(0);
    }

    private static String etag(ApiFixture.Answer answer) {
        return answer.headers().get("etag").get(0);
    }

    @Test
    void aPutSentAgainWithItsKeyGetsTheSameAnswerAndIsNotAppliedTwice() throws Exception {
        String table = table("idem-put");
        ApiFixture.Answer first = put(table, "k", "{\"n\":1}", KEY, "put-1");
        assertEquals(200, first.status(), first.body().toString());
        assertNull(replayed(first));
        ApiFixture.Answer again = put(table, "k", "{\"n\":1}", KEY, "put-1");
        assertEquals(200, again.status());
        assertEquals(first.body(), again.body());
        assertEquals("true", replayed(again));
        assertEquals(etag(first), etag(again));
        assertEquals(1, get(table, "k").version());
        assertEquals(List.of("k|{\"n\":1}|1|null|false"), rows(table));

        // Without a key, or with another, the same put is a new write.
        assertEquals(2, put(table, "k", "{\"n\":1}").version());
        assertEquals(3, put(table, "k", "{\"n\":1}", KEY, "put-2").version());
    }

    @Test
    void anIncrementRetriedWithItsKeyCountsOnce() {
        String table = table("idem-incr");
        String path = keyPath(table, "claps") + "/incr";
        for (int i = 0; i < 3; i++) {
            ApiFixture.Answer answer = call("POST", path, "{\"by\":5}", KEY, "clap-1");
            assertEquals(200, answer.status(), answer.body().toString());
            assertEquals(5, answer.body().get("value").asLong());
        }
        assertEquals(10, call("POST", path, "{\"by\":5}", KEY, "clap-2").body().get("value").asLong());
        assertEquals(10, get(table, "claps").body().get("value").asLong());
    }

    @Test
    void aBatchRetriedWithItsKeyIsAppliedOnceAndADeleteToo() throws Exception {
        String table = table("idem-batch");
        String batch = "{\"ops\":[{\"op\":\"put\",\"key\":\"a\",\"value\":1},{\"op\":\"incr\",\"key\":\"n\",\"by\":2}]}";
        ApiFixture.Answer first = call("POST", "/v1/tables/" + table + "/batch", batch, KEY, "batch-1");
        assertEquals(200, first.status(), first.body().toString());
        ApiFixture.Answer again = call("POST", "/v1/tables/" + table + "/batch", batch, KEY, "batch-1");
        assertEquals(first.body(), again.body());
        assertEquals("true", replayed(again));
        assertEquals(List.of("a|1|1|null|false", "n|2|1|null|false"), rows(table));

        assertEquals(2, delete(table, "a", KEY, "delete-1").version());
        ApiFixture.Answer deleteAgain = delete(table, "a", KEY, "delete-1");
        assertEquals(200, deleteAgain.status(), "a retried delete is answered as the first, not 404");
        assertEquals(2, deleteAgain.version());
        assertEquals("true", replayed(deleteAgain));
    }

    @Test
    void theSameKeyWithAnotherRequestIsRefusedWith422() throws Exception {
        String table = table("idem-reuse");
        assertEquals(200, put(table, "k", "1", KEY, "reused").status());
        ApiFixture.Answer other = put(table, "k", "2", KEY, "reused");
        assertEquals(422, other.status());
        assertEquals("idempotency_key_reused", other.error());
        assertTrue(other.body().get("message").asText().contains("send a new key"), other.body().toString());
        // A precondition is part of the request too.
        assertEquals(422, put(table, "k", "1", KEY, "reused", "If-Match", "1").status());
        assertEquals(List.of("k|1|1|null|false"), rows(table));
        // Keys are per table.
        assertEquals(200, put(table("idem-reuse-other"), "k", "2", KEY, "reused").status());
    }

    @Test
    void aFailedWriteIsNotRememberedSoItsRetryRunsAgain() {
        String table = table("idem-failed");
        put(table, "k", "1");
        ApiFixture.Answer refused = put(table, "k", "2", KEY, "create-k", "If-None-Match", "*");
        assertEquals(412, refused.status());
        delete(table, "k");
        ApiFixture.Answer retried = put(table, "k", "2", KEY, "create-k", "If-None-Match", "*");
        assertEquals(200, retried.status(), retried.body().toString());
        assertNull(replayed(retried));
    }

    @Test
    void malformedKeysAre400AndNothingIsWritten() throws Exception {
        String table = table("idem-bad");
        for (String bad : List.of("has space", "x".repeat(129))) {
            ApiFixture.Answer answer = put(table, "k", "1", KEY, bad);
            assertEquals(400, answer.status(), bad);
            assertEquals("invalid_idempotency_key", answer.error());
        }
        assertEquals(List.of(), rows(table));
        assertEquals(200, put(table, "k", "1", KEY, "x".repeat(128)).status());
    }

    @Test
    void concurrentRetriesOfOneIncrementApplyItOnce() throws Exception {
        String table = table("idem-race");
        String path = keyPath(table, "n") + "/incr";
        List<ApiFixture.Answer> answers = ApiFixture.inParallel(16, 16, i -> call("POST", path, "{\"by\":1}", KEY, "race"));
        for (ApiFixture.Answer answer : answers) {
            assertEquals(200, answer.status(), answer.body().toString());
            assertEquals(1, answer.body().get("value").asLong());
        }
        assertEquals(15, answers.stream().filter(a -> "true".equals(replayed(a))).count());
        assertEquals(1, get(table, "n").body().get("value").asLong());
    }

    @Test
    void theSweeperRemovesAnswersOlderThanTheRetention() throws Exception {
        String table = table("idem-sweep");
        put(table, "k", "1", KEY, "old");
        assertEquals(1, answersOf(table));
        ApiConfig config = ApiFixture.config(ApiFixture.cluster(), Map.of("RTKV_IDEMPOTENCY_RETENTION_SECONDS", "3600"));
        try (Shards shards = new Shards(config.store(), new io.micrometer.core.instrument.simple.SimpleMeterRegistry())) {
            new Sweeper(shards, config.store(), Clock.systemUTC()).sweep(shards.shardOf(table));
            assertEquals(1, answersOf(table), "an answer within the retention stays");
            Sweeper later = new Sweeper(shards, config.store(), Clock.offset(Clock.systemUTC(), Duration.ofHours(2)));
            await("swept").atMost(Duration.ofSeconds(10)).until(() -> {
                later.sweep(shards.shardOf(table));
                return answersOf(table) == 0;
            });
        }
        // Once forgotten, the key is a new request.
        assertEquals(2, put(table, "k", "1", KEY, "old").version());
        assertFalse("true".equals(replayed(put(table, "k", "1", KEY, "new"))));
    }

    private static int answersOf(String table) throws Exception {
        try (Connection c = ApiFixture.shardOf(table);
             PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM idempotency WHERE table_id = ?")) {
            s.setString(1, table);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }
}
