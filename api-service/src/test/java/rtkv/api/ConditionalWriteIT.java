package rtkv.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static rtkv.api.ApiFixture.delete;
import static rtkv.api.ApiFixture.get;
import static rtkv.api.ApiFixture.put;
import static rtkv.api.ApiFixture.rows;
import static rtkv.api.ApiFixture.table;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Compare-and-set with If-Match and create-only with If-None-Match: *. */
@ExtendWith(ApiFixture.class)
class ConditionalWriteIT {

    @Test
    void thirtyTwoThreadsOfCompareAndSetLoseNoIncrement() throws Exception {
        String table = table("cas");
        assertEquals(200, put(table, "counter", "0").status());
        AtomicInteger successes = new AtomicInteger();
        ConcurrentLinkedQueue<String> staleAnswers = new ConcurrentLinkedQueue<>();
        ApiFixture.inParallel(32, 32, thread -> {
            for (int i = 0; i < 10; i++) {
                ApiFixture.Answer read = get(table, "counter");
                long version = read.version();
                long value = read.body().get("value").asLong();
                ApiFixture.Answer written = put(table, "counter", Long.toString(value + 1),
                        "If-Match", "\"" + version + "\"");
                if (written.status() == 200) {
                    successes.incrementAndGet();
                    assertEquals(version + 1, written.version());
                } else {
                    assertEquals(412, written.status(), written.body().toString());
                    long current = written.body().get("currentVersion").asLong();
                    // The version it reports is one the key really had after ours.
                    if (current <= version) {
                        staleAnswers.add(version + " -> " + current);
                    }
                }
            }
            return null;
        });
        ApiFixture.Answer end = get(table, "counter");
        assertEquals(successes.get(), end.body().get("value").asInt(), "every 2xx added exactly one");
        assertEquals(successes.get() + 1, end.version());
        assertTrue(staleAnswers.isEmpty(), "412s carried versions not newer than the one tried: " + staleAnswers);
        assertTrue(successes.get() >= 10, "some writes succeeded: " + successes.get());
    }

    @Test
    void ifMatchOnAMissingKeyFailsWithNoCurrentVersion() {
        String table = table("cas-missing");
        ApiFixture.Answer answer = put(table, "nope", "1", "If-Match", "1");
        assertEquals(412, answer.status());
        assertTrue(answer.body().get("currentVersion").isNull());
        assertEquals(412, delete(table, "nope", "If-Match", "1").status());
        assertEquals(404, get(table, "nope").status());
    }

    @Test
    void deleteWithIfMatchOnlyDeletesThatVersion() throws Exception {
        String table = table("cas-delete");
        put(table, "k", "1");
        put(table, "k", "2");

        ApiFixture.Answer stale = delete(table, "k", "If-Match", "1");
        assertEquals(412, stale.status());
        assertEquals(2, stale.body().get("currentVersion").asLong());
        assertEquals(200, get(table, "k").status());

        assertEquals(3, delete(table, "k", "If-Match", "2").version());
        assertEquals(404, get(table, "k").status());
        assertEquals(List.of("k|null|3|0|false"), rows(table));
    }

    @Test
    void ifNoneMatchCreatesOnlyWhatDoesNotExist() {
        String table = table("create-only");
        assertEquals(1, put(table, "k", "\"first\"", "If-None-Match", "*").version());

        ApiFixture.Answer again = put(table, "k", "\"second\"", "If-None-Match", "*");
        assertEquals(412, again.status());
        assertEquals(1, again.body().get("currentVersion").asLong());
        assertEquals("first", get(table, "k").body().get("value").asText());

        delete(table, "k");
        ApiFixture.Answer recreated = put(table, "k", "\"third\"", "If-None-Match", "*");
        assertEquals(200, recreated.status(), "a tombstone does not count as existing");
        assertEquals(3, recreated.version());
    }

    @Test
    void concurrentCreateOnlyWritesHaveOneWinner() throws Exception {
        String table = table("create-race");
        List<Integer> statuses = ApiFixture.inParallel(16, 16,
                n -> put(table, "once", Integer.toString(n), "If-None-Match", "*").status());
        assertEquals(1, statuses.stream().filter(code -> code == 200).count(), statuses.toString());
        assertEquals(15, statuses.stream().filter(code -> code == 412).count(), statuses.toString());
        assertEquals(1, get(table, "once").version());
    }
}
