package rtkv.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code ./rtkv bench all --quick} against the shared cluster, once: every scenario runs end to end and
 * loses nothing. Speed is the benchmark's business, not this test's.
 */
@ExtendWith(E2eCluster.class)
class BenchSmokeIT {

    private static final Pattern SAVED = Pattern.compile("(?m)^results: (\\S+)$");

    @Test
    void everyScenarioRunsQuicklyAndLosesNothing() throws Exception {
        RtkvCommand.Run run = RtkvCommand.run(E2eCluster.cluster().layout(), "bench", "all", "--quick");

        assertEquals(0, run.exitCode(), run.output());
        for (String verdict : List.of("tables: exact", "claps: exact", "connections: every subscriber live",
                "kv: no errors")) {
            assertTrue(run.output().contains(verdict), verdict + " in\n" + run.output());
        }
        ObjectMapper json = new ObjectMapper();
        Matcher saved = SAVED.matcher(run.output());
        int files = 0;
        while (saved.find()) {
            Path file = Path.of(saved.group(1));
            JsonNode result = json.readTree(Files.readString(file));
            files++;
            if (result.get("scenario").asText().equals("tables")) {
                assertEquals(0, result.get("lost").asLong(), file.toString());
                assertEquals(0, result.get("duplicated").asLong(), file.toString());
                assertEquals(result.get("expectedDeliveries").asLong(), result.get("delivered").asLong(), file.toString());
                assertTrue(result.get("delivered").asLong() > 0, file.toString());
                assertTrue(Files.readString(Path.of(file.toString().replace(".json", ".html"))).contains("<svg"),
                        "the latency plot beside " + file);
            }
        }
        assertEquals(4, files, run.output());
    }

    @Test
    void tablesAndConnectionsRunOverStreamsAndLoseNothing() throws Exception {
        for (String scenario : List.of("tables", "connections")) {
            RtkvCommand.Run run = RtkvCommand.run(E2eCluster.cluster().layout(), "bench", scenario, "--quick", "--stream",
                    "25");
            assertEquals(0, run.exitCode(), run.output());
            assertTrue(run.output().contains(scenario.equals("tables") ? "tables: exact" : "connections: every subscriber live"),
                    run.output());
            Matcher saved = SAVED.matcher(run.output());
            assertTrue(saved.find(), run.output());
            JsonNode result = new ObjectMapper().readTree(Files.readString(Path.of(saved.group(1))));
            assertEquals(25, result.get("subscriptionsPerStream").asInt(), result.toString());
            if (scenario.equals("tables")) {
                assertEquals(0, result.get("lost").asLong(), result.toString());
                assertEquals(result.get("expectedDeliveries").asLong(), result.get("delivered").asLong(), result.toString());
            }
        }
    }

    @Test
    void theBareKeyServerServesKvsLoadWithoutErrors() throws Exception {
        RtkvCommand.Run run = RtkvCommand.run(E2eCluster.cluster().layout(), "bench", "kv", "--quick", "--baseline", "bare");

        assertEquals(0, run.exitCode(), run.output());
        assertTrue(run.output().contains("kv: no errors"), run.output());
        Matcher saved = SAVED.matcher(run.output());
        assertTrue(saved.find(), run.output());
        JsonNode result = new ObjectMapper().readTree(Files.readString(Path.of(saved.group(1))));
        JsonNode bare = null;
        for (JsonNode r : result.get("results")) {
            if (r.get("target").asText().equals("bare")) {
                bare = r;
            }
        }
        assertTrue(bare != null && bare.get("operations").asLong() > 0 && bare.get("errors").asLong() == 0,
                "the bare key server's closed loop in " + result);
        assertTrue(result.get("bareThroughputRatio").asDouble() > 0, result.toString());
    }
}
