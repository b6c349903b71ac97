package rtkv.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import rtkv.api.store.StoreException.Failure;
import rtkv.api.store.StoreFailures;

/** What the store refuses, as the API answers it: every failure has its code, status and body. */
class ApiExceptionTest {

    private static final Map<Failure, String> EXPECTED = new EnumMap<>(Map.of(
            Failure.NOT_FOUND, "404 not_found",
            Failure.VERSION_MISMATCH, "412 version_mismatch",
            Failure.INVALID_CONDITION, "400 invalid_header",
            Failure.NOT_A_NUMBER, "409 not_a_number",
            Failure.OUT_OF_RANGE, "409 out_of_range",
            Failure.IDEMPOTENCY_KEY_REUSED, "422 idempotency_key_reused",
            Failure.BUSY, "429 too_many_requests",
            Failure.UNAVAILABLE, "503 unavailable",
            Failure.INTERNAL, "500 internal"));

    @Test
    void everyFailureHasItsStatusCodeAndWords() {
        assertEquals(Failure.values().length, EXPECTED.size(), "a failure without an expected answer");
        for (Failure failure : Failure.values()) {
            ApiException answer = ApiException.from(StoreFailures.of(failure, "the words"));
            String body = answer.body();
            assertEquals(EXPECTED.get(failure), answer.status() + " " + body.replaceAll(".*\"error\":\"([a-z_]+)\".*", "$1"),
                    failure.toString());
            assertTrue(body.contains("\"message\":\"the words\""), body);
            assertEquals(1, answer.retryAfterSeconds(), "a 429 says when to try again");
        }
    }

    @Test
    void aVersionMismatchCarriesTheCurrentVersionAndABatchItsOperation() {
        assertEquals("{\"error\":\"version_mismatch\",\"message\":\"operation 2: key \\\"a\\\" is at version 7\","
                + "\"currentVersion\":7,\"operation\":2}", ApiException.from(StoreFailures.atOperation(
                StoreFailures.versionMismatch("key \"a\" is at version 7", 7L), 2)).body());
        assertEquals("{\"error\":\"version_mismatch\",\"message\":\"no key\",\"currentVersion\":null}",
                ApiException.from(StoreFailures.versionMismatch("no key", null)).body());
    }
}
