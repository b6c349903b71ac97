package rtkv.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static rtkv.api.ApiFixture.call;
import static rtkv.api.ApiFixture.get;
import static rtkv.api.ApiFixture.put;
import static rtkv.api.ApiFixture.rows;
import static rtkv.api.ApiFixture.segment;
import static rtkv.api.ApiFixture.table;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** POST /v1/tables/{table}/batch: every operation in one transaction, or none. */
@ExtendWith(ApiFixture.class)
class BatchIT {

    private static ApiFixture.Answer batch(String table, String body) {
        return call("POST", "/v1/tables/" + segment(table) + "/batch", body);
    }

    @Test
    void appliesEveryOperationAndAnswersInRequestOrder() {
        String table = table("batch");
        put(table, "gone", "1");
        put(table, "counter", "40");

        ApiFixture.Answer answer = batch(table, """
                {"ops": [
                  {"op": "put", "key": "b", "value": {"n": 1.50}},
                  {"op": "incr", "key": "counter", "by": 2},
                  {"op": "delete", "key": "gone"},
                  {"op": "put", "key": "a", "value": [1], "ttl": 60},
                  {"op": "put", "key": "b", "value": "second", "ifMatch": 1}
                ]}""");

        assertEquals(200, answer.status(), answer.body().toString());
        List<String> results = new ArrayList<>();
        answer.body().get("results").forEach(r -> results.add(r.get("key").asText() + ":" + r.get("version").asLong()));
        assertEquals(List.of("b:1", "counter:2", "gone:2", "a:1", "b:2"), results);
        assertEquals(42, answer.body().get("results").get(1).get("value").asLong());
        assertEquals("second", get(table, "b").body().get("value").asText());
        assertEquals(404, get(table, "gone").status());
        assertTrue(get(table, "a").body().get("expiresAt").isIntegralNumber());
    }

    @Test
    void anInvalidOperationChangesNothing() throws Exception {
        String table = table("batch-invalid");
        put(table, "keep", "1");
        List<String> before = rows(table);

        ApiFixture.Answer invalid = batch(table, """
                {"ops": [{"op": "put", "key": "new", "value": 1}, {"op": "put", "key": "", "value": 2}]}""");
        assertEquals(400, invalid.status());
        assertEquals(1, invalid.body().get("operation").asInt());
        assertEquals("invalid_key", invalid.error());

        ApiFixture.Answer conflicting = batch(table, """
                {"ops": [{"op": "put", "key": "new", "value": 1}, {"op": "delete", "key": "keep"},
                         {"op": "put", "key": "keep", "value": 3, "ifMatch": 1}]}""");
        assertEquals(412, conflicting.status(), "operation 1 deleted the key, so it is at no version");
        assertEquals(2, conflicting.body().get("operation").asInt());
        assertTrue(conflicting.body().get("currentVersion").isNull());

        ApiFixture.Answer missing = batch(table, """
                {"ops": [{"op": "incr", "key": "counter"}, {"op": "delete", "key": "never-there"}]}""");
        assertEquals(404, missing.status());
        assertEquals(1, missing.body().get("operation").asInt());

        assertEquals(before, rows(table), "the shard is unchanged");
    }

    @Test
    void moreThanTheLimitOfOperationsIsRefused() throws Exception {
        String table = table("batch-limit");
        StringBuilder ops = new StringBuilder("{\"ops\":[");
        for (int i = 0; i < 501; i++) {
            ops.append(i == 0 ? "" : ",").append("{\"op\":\"incr\",\"key\":\"k").append(i).append("\"}");
        }
        ApiFixture.Answer answer = batch(table, ops.append("]}").toString());
        assertEquals(413, answer.status());
        assertEquals("too_many_operations", answer.error());
        assertTrue(rows(table).isEmpty());

        StringBuilder fiveHundred = new StringBuilder("{\"ops\":[");
        for (int i = 0; i < 500; i++) {
            fiveHundred.append(i == 0 ? "" : ",").append("{\"op\":\"incr\",\"key\":\"k").append(i).append("\"}");
        }
        assertEquals(200, batch(table, fiveHundred.append("]}").toString()).status());
        assertEquals(500, rows(table).size());
    }

    @Test
    void batchesOverlappingInOppositeOrderDoNotDeadlock() throws Exception {
        String table = table("batch-order");
        List<Integer> statuses = ApiFixture.inParallel(8, 40, i -> batch(table, i % 2 == 0
                ? "{\"ops\":[{\"op\":\"incr\",\"key\":\"a\"},{\"op\":\"incr\",\"key\":\"z\"}]}"
                : "{\"ops\":[{\"op\":\"incr\",\"key\":\"z\"},{\"op\":\"incr\",\"key\":\"a\"}]}").status());
        assertEquals(Collections.nCopies(40, 200), statuses);
        assertEquals(40, get(table, "a").body().get("value").asInt());
        assertEquals(40, get(table, "z").body().get("value").asInt());
    }
}
