package rtkv.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTextTest {

    @Test
    void compactDropsWhitespaceAndKeepsNumbersExact() {
        assertEquals("{\"n\":1.10000000000000000000001,\"big\":123456789012345678901234567890}",
                JsonText.compact(" {\n  \"n\" : 1.10000000000000000000001, \"big\": 123456789012345678901234567890 }\n"));
        assertEquals("\"a\"", JsonText.compact("\"a\""));
        assertEquals("null", JsonText.compact("null"));
        assertEquals("[1,[2,[3]]]", JsonText.compact("[1, [2, [3]]]"));
        assertEquals("{\"e\":1E+400}", JsonText.compact("{\"e\": 1E400}"));
    }

    @Test
    void objectFieldsKeepTheirExactText() {
        assertEquals(Map.of("by", "12345678901234567890", "v", "{\"a\":[1.50]}", "n", "null"),
                JsonText.parseObject("{\"by\": 12345678901234567890, \"v\": {\"a\": [1.50]}, \"n\": null}"));
        assertThrows(JsonText.InvalidJsonException.class, () -> JsonText.parseObject("[1]"));
        assertThrows(JsonText.InvalidJsonException.class, () -> JsonText.parseObject("{\"a\":1,\"a\":2}"));
        assertThrows(JsonText.InvalidJsonException.class, () -> JsonText.parseObject("{\"a\":1} {}"));
        assertThrows(JsonText.InvalidJsonException.class, () -> JsonText.parseObject("{\"a\":"));
    }

    @Test
    void rejectsAnythingButOneWellFormedValue() {
        for (String bad : new String[] {"", "  ", "{", "{\"a\":1", "[1,]", "{'a':1}", "1 2", "{\"a\":1}x", "{\"a\":1,\"a\":2}", "NaN",
                "{\"huge\": 9223E7036854775}", "[-1e-99999999999]"}) {
            assertThrows(JsonText.InvalidJsonException.class, () -> JsonText.compact(bad), bad);
        }
    }
}
