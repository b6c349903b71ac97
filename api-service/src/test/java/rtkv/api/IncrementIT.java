package rtkv.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static rtkv.api.ApiFixture.call;
import static rtkv.api.ApiFixture.delete;
import static rtkv.api.ApiFixture.get;
import static rtkv.api.ApiFixture.keyPath;
import static rtkv.api.ApiFixture.put;
import static rtkv.api.ApiFixture.table;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** POST .../incr: atomic on one row, exact under concurrency. */
@ExtendWith(ApiFixture.class)
class IncrementIT {

    private static ApiFixture.Answer incr(String table, String key, String body) {
        return call("POST", keyPath(table, key) + "/incr", body);
    }

    @Test
    void thirtyTwoThreadsOfIncrementsAreExact() throws Exception {
        String table = table("incr");
        ApiFixture.inParallel(32, 32, thread -> {
            for (int i = 0; i < 25; i++) {
                assertEquals(200, incr(table, "claps", "{\"by\": 2}").status());
            }
            return null;
        });
        ApiFixture.Answer end = get(table, "claps");
        assertEquals(32 * 25 * 2, end.body().get("value").asLong());
        assertEquals(32 * 25, end.version());
    }

    @Test
    void answersTheNewValueAndCreatesAMissingKey() {
        String table = table("incr-new");
        ApiFixture.Answer first = incr(table, "n", "");
        assertEquals(200, first.status());
        assertEquals(1, first.body().get("value").asLong());
        assertEquals(1, first.version());
        ApiFixture.Answer second = incr(table, "n", "{\"by\": -5}");
        assertEquals(-4, second.body().get("value").asLong());
        assertEquals(2, second.version());

        delete(table, "n");
        ApiFixture.Answer recreated = incr(table, "n", "{\"by\": 7}");
        assertEquals(7, recreated.body().get("value").asLong(), "a deleted counter starts again from the increment");
        assertEquals(4, recreated.version());
    }

    @Test
    void keepsTheTimeToLiveOfTheCounter() {
        String table = table("incr-ttl");
        long expiresAt = call("PUT", keyPath(table, "n") + "?ttl=3600", "10").body().get("expiresAt").asLong();
        ApiFixture.Answer incremented = incr(table, "n", "{\"by\":1}");
        assertEquals(11, incremented.body().get("value").asLong());
        assertEquals(expiresAt, incremented.body().get("expiresAt").asLong());
    }

    @Test
    void aNonIntegerValueIsAConflictAndStaysAsItWas() {
        String table = table("incr-conflict");
        for (String value : List.of("\"ten\"", "1.5", "{\"n\":1}", "1e3", "true")) {
            put(table, "v", value);
            long version = get(table, "v").version();
            ApiFixture.Answer answer = incr(table, "v", "{\"by\":1}");
            assertEquals(409, answer.status(), value);
            assertEquals("not_a_number", answer.error());
            assertTrue(answer.body().get("message").asText().contains("not an integer"), answer.body().toString());
            assertEquals(version, get(table, "v").version(), "nothing was written for " + value);
        }
    }

    @Test
    void leavingTheRangeOf64BitIntegersIsOutOfRangeAtBothEndsAndWritesNothing() {
        String table = table("incr-overflow");
        put(table, "max", Long.toString(Long.MAX_VALUE));
        put(table, "min", Long.toString(Long.MIN_VALUE));
        for (String[] overflow : new String[][] {{"max", "1"}, {"min", "-1"}, {"max", Long.toString(Long.MAX_VALUE)},
                {"min", Long.toString(Long.MIN_VALUE)}}) {
            ApiFixture.Answer answer = incr(table, overflow[0], "{\"by\":" + overflow[1] + "}");
            assertEquals(409, answer.status(), overflow[0] + " + " + overflow[1]);
            assertEquals("out_of_range", answer.error(), answer.body().toString());
            assertTrue(answer.body().get("message").asText().contains("64-bit"), answer.body().toString());
        }
        assertEquals(Long.MAX_VALUE, get(table, "max").body().get("value").asLong());
        assertEquals(1, get(table, "max").version());
        assertEquals(Long.MIN_VALUE, get(table, "min").body().get("value").asLong());
        assertEquals(-1, incr(table, "min", "{\"by\":" + Long.MAX_VALUE + "}").body().get("value").asLong(), "back inside");

        // 2^64 - 1 is an integer, but not a 64-bit one: as a value it is not a number incr adds to, as
        // an increment it is refused before anything is read.
        put(table, "huge", "18446744073709551615");
        assertEquals("not_a_number", incr(table, "huge", "{\"by\":1}").error());
        ApiFixture.Answer tooBig = incr(table, "max", "{\"by\":18446744073709551615}");
        assertEquals(400, tooBig.status(), tooBig.body().toString());
        assertEquals(Long.MAX_VALUE, get(table, "max").body().get("value").asLong());
    }
}
