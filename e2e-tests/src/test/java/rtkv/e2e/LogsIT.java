package rtkv.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 9: the services log JSON lines, one event each, with the table and key of what they were
 * doing as fields of their own.
 */
@ExtendWith(E2eCluster.class)
class LogsIT {

    @Test
    void theServicesLogJsonLinesWithTheTableInContext() throws Exception {
        String table = E2eCluster.tableOnShard(1);
        assertEquals(200, E2eCluster.api().put(table, "doomed", "1").status());
        // Only api-service should write: a live row deleted by hand is published, with a warning naming it.
        try (Connection shard = E2eCluster.shardOf(table);
             PreparedStatement delete = shard.prepareStatement("DELETE FROM kv WHERE table_id = ? AND k = ?")) {
            delete.setString(1, table);
            delete.setBytes(2, "doomed".getBytes(StandardCharsets.UTF_8));
            assertEquals(1, delete.executeUpdate());
        }
        String relay = E2eCluster.activeRelay(1);
        await("the relay's warning about " + table).atMost(Duration.ofSeconds(30)).until(() -> events(relay).stream()
                .anyMatch(e -> e.path("level").asText().equals("WARN") && e.path("table").asText().equals(table)
                        && e.path("service").asText().equals("cdc-relay")
                        && e.path("message").asText().contains("deleted outside api-service")));

        for (String part : List.of("api", "fanout", relay)) {
            List<JsonNode> events = events(part);
            assertTrue(events.size() >= 1, part + " logged nothing as JSON");
            for (JsonNode event : events) {
                for (String field : List.of("time", "level", "service", "logger", "thread", "message")) {
                    assertTrue(event.hasNonNull(field), part + ": no " + field + " in " + event);
                }
            }
        }
    }

    /**
     * The part's log lines that are logging events, each of which must be one JSON object; a JVM's own
     * warnings are plain text before them, and the last line may be half written as it is read.
     */
    private static List<JsonNode> events(String part) {
        Path log = E2eCluster.cluster().layout().dataDir().resolve("logs/" + part + ".log");
        List<JsonNode> events = new ArrayList<>();
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                if (!lines.get(i).startsWith("{")) {
                    continue;
                }
                try {
                    events.add(Api.JSON.readTree(lines.get(i)));
                } catch (IOException e) {
                    if (i < lines.size() - 1) {
                        throw new AssertionError(part + ": line " + (i + 1) + " is not one JSON object: " + lines.get(i), e);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return events;
    }
}
