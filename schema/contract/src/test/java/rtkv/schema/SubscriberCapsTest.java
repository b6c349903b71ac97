package rtkv.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
        assertTrue(SubscriberCaps.nameProblem("t".repeat(129) + "*", 128).orElseThrow().contains("at most 128"));
        assertEquals(Optional.empty(), SubscriberCaps.nameProblem("t".repeat(128) + "*", 128), "a whole name and *");
        assertTrue(SubscriberCaps.nameProblem("", 128).isPresent());
    }

    @Test
    void aCapIsAnObjectWithMaxSubscribersAlone() {
        assertEquals(OptionalInt.of(20_000), SubscriberCaps.cap("{\"maxSubscribers\":20000}"));
        assertEquals(OptionalInt.of(0), SubscriberCaps.cap("{\"maxSubscribers\": 0}"));
        for (String bad : List.of("5", "{}", "{\"maxSubscribers\":-1}", "{\"maxSubscribers\":1.5}", "{\"maxSubscribers\":\"5\"}",
                "{\"maxSubscribers\":1000000000}", "not json")) {
            assertEquals(OptionalInt.empty(), SubscriberCaps.cap(bad), bad);
            assertTrue(SubscriberCaps.problem(bad).orElseThrow().contains("{\"maxSubscribers\": N}"), bad);
        }
        // Refused when written; read as the cap it sets, as a value written before the check may hold more.
        assertTrue(SubscriberCaps.problem("{\"maxSubscribers\":5,\"note\":\"x\"}").isPresent());
        assertEquals(OptionalInt.of(5), SubscriberCaps.cap("{\"maxSubscribers\":5,\"note\":\"x\"}"));
    }

    @Test
    void theMostSpecificCapAppliesWithTheSettingBeforeTheConfigurationAtEachName() {
        Map<String, String> settings = new HashMap<>(Map.of("article.*", "{\"maxSubscribers\":20000}",
                "article.7", "{\"maxSubscribers\":7}", "*", "{\"maxSubscribers\":300}", "article.9", "oops"));
        Map<String, Integer> configured = Map.of("article.4*", 44, "article.*", 99, "chat.*", 5);
        List<String> passedOver = new ArrayList<>();
        java.util.function.ToIntFunction<String> cap = table -> SubscriberCaps.resolve(table, settings::get, configured, 100,
                (name, value) -> passedOver.add(name));
        assertEquals(7, cap.applyAsInt("article.7"), "the table's own");
        assertEquals(44, cap.applyAsInt("article.42"), "a longer configured prefix beats a shorter setting");
        assertEquals(20_000, cap.applyAsInt("article.1"), "the setting before the configuration at one name");
        assertEquals(20_000, cap.applyAsInt("article.9"), "a setting that sets no cap is passed over");
        assertEquals(List.of("article.9"), passedOver);
        assertEquals(5, cap.applyAsInt("chat.1"));
        assertEquals(300, cap.applyAsInt("other"), "* for every table");
        settings.remove("*");
        assertEquals(100, cap.applyAsInt("other"), "the default when nothing is set");
    }

    @Test
    void theCandidatesGoFromTheTableToEverything() {
        assertEquals(List.of("ab.c", "ab.c*", "ab.*", "ab*", "a*", "*"), SubscriberCaps.candidates("ab.c"));
    }
}
