package rtkv.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class SubscriberCapsTest {

    @Test
    void aCapIsSetForATableOrForAPrefixWithOneTrailingStar() {
        for (String good : List.of("article.42", "article.*", "*", "a-b_c.*")) {
            assertEquals(Optional.empty(), SubscriberCaps.nameProblem(good, 128), good);
        }
        assertTrue(SubscriberCaps.nameProblem("art*cle.*", 128).orElseThrow().contains("one trailing '*'"));
        assertTrue(SubscriberCaps.nameProblem("article.**", 128).orElseThrow().contains("one trailing '*'"));
        assertTrue(SubscriberCaps.nameProblem("art*cle", 128).orElseThrow().contains("may only contain"));
        assertTrue(SubscriberCaps.nameProblem("no such/table.*", 128).isPresent());
        assertTrue(SubscriberCaps.nameProblem("t".repeat(128) + "*", 128).orElseThrow().contains("at most 128"));
        assertEquals(Optional.empty(), SubscriberCaps.nameProblem("t".repeat(127) + "*", 128));
        assertTrue(SubscriberCaps.nameProblem("", 128).isPresent());
    }

    @Test
    void aCapIsAnObjectWithMaxSubscribersAlone() {
        assertEquals(OptionalInt.of(20_000), SubscriberCaps.cap("{\"maxSubscribers\":20000}"));
        assertEquals(OptionalInt.of(0), SubscriberCaps.cap("{\"maxSubscribers\": 0}"));
        for (String bad : List.of("5", "{}", "{\"maxSubscribers\":-1}", "{\"maxSubscribers\":1.5}", "{\"maxSubscribers\":\"5\"}",
                "{\"maxSubscribers\":1000000000}", "{\"maxSubscribers\":5,\"x\":1}", "not json")) {
            assertEquals(OptionalInt.empty(), SubscriberCaps.cap(bad), bad);
            assertTrue(SubscriberCaps.problem(bad).orElseThrow().contains("{\"maxSubscribers\": N}"), bad);
        }
    }

    @Test
    void theCandidatesGoFromTheTableToEverything() {
        assertEquals(List.of("ab.c", "ab.c*", "ab.*", "ab*", "a*", "*"), SubscriberCaps.candidates("ab.c"));
    }
}
