package rtkv.bench;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.HdrHistogram.Histogram;
import rtkv.schema.JsonText;

/** Where a run's results go: {@code bench/results/SCENARIO-TIME.json}, and its plot beside it as .html. */
final class Results {

    interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private final String scenario;
    private final Instant at = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    private final Path dir;

    Results(String scenario) {
        this.scenario = scenario;
        this.dir = Path.of(System.getProperty("rtkv.home", ".")).resolve("bench/results");
    }

    /** Writes {"scenario", "at", "environment", ...body} and answers the file. */
    Path save(Environment environment, Body body) throws IOException {
        String json = JsonText.object(g -> {
            g.writeStringField("scenario", scenario);
            g.writeStringField("at", at.toString());
            environment.write(g);
            body.write(g);
        });
        return write(".json", json + "\n");
    }

    /** {@code "field": {count, p50Ms, p90Ms, p99Ms, p999Ms, maxMs}}. */
    static void writeLatency(JsonGenerator g, String field, Histogram h, double unitsPerMilli) throws IOException {
        g.writeObjectFieldStart(field);
        g.writeNumberField("count", h.getTotalCount());
        g.writeNumberField("p50Ms", h.getValueAtPercentile(50) / unitsPerMilli);
        g.writeNumberField("p90Ms", h.getValueAtPercentile(90) / unitsPerMilli);
        g.writeNumberField("p99Ms", h.getValueAtPercentile(99) / unitsPerMilli);
        g.writeNumberField("p999Ms", h.getValueAtPercentile(99.9) / unitsPerMilli);
        g.writeNumberField("maxMs", h.getMaxValue() / unitsPerMilli);
        g.writeEndObject();
    }

    /** The latency chart of the run, beside its JSON. */
    Path plot(String title, String setup, List<PercentilePlot.Series> series) throws IOException {
        return plot(title, setup, series, "");
    }

    /** The latency chart, then {@code after} (HTML: the run's CPU costs). */
    Path plot(String title, String setup, List<PercentilePlot.Series> series, String after) throws IOException {
        return write(".html", PercentilePlot.html(title, setup, series, after));
    }

    Path write(String suffix, String text) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(scenario + "-" + at.toString().replace(":", "") + suffix);
        Files.writeString(file, text);
        return file;
    }
}
