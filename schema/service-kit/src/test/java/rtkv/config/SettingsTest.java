package rtkv.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingsTest {

    @Test
    void defaultsApplyWhenUnset() {
        Settings settings = new Settings("test", Map.of("B", " 7 "));
        assertEquals("x", settings.text("A", "x"));
        assertEquals(7, settings.integer("B", 1, 0, 10));
        assertEquals(3, settings.integer("C", 3, 0, 10));
        settings.validate();
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        Settings settings = new Settings("api-service", Map.of("PORT", "eighty", "SIZE", "99", "LIST", "a,,b"));
        settings.port("PORT", 8080);
        settings.integer("SIZE", 1, 1, 10);
        settings.required("MISSING");
        settings.list("LIST");

        ConfigException e = assertThrows(ConfigException.class, settings::validate);

        assertEquals(List.of(
                "PORT must be an integer, was \"eighty\"",
                "SIZE must be between 1 and 10, was 99",
                "MISSING is required",
                "LIST has an empty item: \"a,,b\""), e.problems());
        assertEquals(true, e.getMessage().startsWith("api-service configuration is invalid:"));
    }
}
