package rtkv.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.event.KeyValuePair;

class ServiceLayoutTest {

    private final Logger logger = new LoggerContext().getLogger("rtkv.fanout.Tables");

    private JsonNode layout(LoggingEvent event) throws Exception {
        ServiceLayout layout = new ServiceLayout();
        layout.setService("fanout-nodes");
        String line = layout.doLayout(event);
        assertTrue(line.endsWith(System.lineSeparator()), "one event, one line");
        assertEquals(1, line.strip().lines().count(), line);
        return new ObjectMapper().readTree(line);
    }

    @Test
    void anEventIsOneJsonObjectWithItsContextAsFields() throws Exception {
        LoggingEvent event = new LoggingEvent(Logger.class.getName(), logger, Level.WARN,
                "table {}: changes of shard {} are missing", null, new Object[] {"scores", 1});
        event.setMDCPropertyMap(Map.of("key", "player \"7\"", "message", "not mine"));
        event.setKeyValuePairs(List.of(new KeyValuePair("table", "scores"), new KeyValuePair("shard", 1)));
        event.setTimeStamp(0);
        JsonNode json = layout(event);
        assertEquals("1970-01-01T00:00:00Z", json.get("time").asText());
        assertEquals("WARN", json.get("level").asText());
        assertEquals("fanout-nodes", json.get("service").asText());
        assertEquals("rtkv.fanout.Tables", json.get("logger").asText());
        assertEquals("table scores: changes of shard 1 are missing", json.get("message").asText(),
                "the layout's own field wins over context of the same name");
        assertEquals("scores", json.get("table").asText());
        assertEquals("player \"7\"", json.get("key").asText());
        assertEquals("1", json.get("shard").asText());
        assertFalse(json.has("error"));
    }

    @Test
    void theTextFormatIsOneLineWithTheContextAsNameValue() {
        LoggingEvent event = new LoggingEvent(Logger.class.getName(), logger, Level.INFO, "snapshot read", null, null);
        event.setMDCPropertyMap(Map.of("table", "scores"));
        event.setTimeStamp(0);
        ServiceLayout layout = new ServiceLayout();
        layout.setFormat("text");
        assertEquals("1970-01-01T00:00:00Z INFO rtkv.fanout.Tables table=scores - snapshot read" + System.lineSeparator(),
                layout.doLayout(event));
    }

    @Test
    void anErrorCarriesItsStackTraceInOneField() throws Exception {
        LoggingEvent event = new LoggingEvent(Logger.class.getName(), logger, Level.ERROR, "failed\nbadly",
                new IllegalStateException("boom"), null);
        event.setMDCPropertyMap(Map.of()); // a context of its own has no MDC adapter
        JsonNode json = layout(event);
        assertEquals("failed\nbadly", json.get("message").asText());
        assertTrue(json.get("error").asText().startsWith("java.lang.IllegalStateException: boom"), json.get("error").asText());
        assertTrue(json.get("error").asText().contains("ServiceLayoutTest"), "the stack trace");
    }
}
