package rtkv.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** {@code kv}'s results file and plot page: every run's latency and cost, and the ratios the goals are set in. */
final class KvReport {

    private KvReport() {
    }

    /**
     * @param all the closed-loop runs (http, jdbc, then bare when it ran), then the open-loop http and jdbc runs
     * @param closed how many of {@code all} are closed-loop
     */
    static void save(LoadRun.Setup setup, String described, List<LoadRun.Result> all, int closed, double openRate,
                     Environment environment, PrintStream out) throws IOException {
        LoadRun.Result http = all.get(0);
        LoadRun.Result jdbc = all.get(1);
        LoadRun.Result httpOpen = all.get(closed);
        LoadRun.Result jdbcOpen = all.get(closed + 1);
        Results results = new Results("kv");
        out.println("results: " + results.save(environment, g -> {
            g.writeNumberField("clients", setup.clients());
            g.writeNumberField("seconds", setup.seconds());
            g.writeNumberField("warmupSeconds", setup.warmupSeconds());
            g.writeNumberField("tables", setup.tables());
            g.writeNumberField("keysPerTable", setup.keysPerTable());
            g.writeNumberField("valueBytes", setup.value().length());
            g.writeNumberField("throughputRatio", http.perSecond() / jdbc.perSecond());
            if (closed > 2) {
                g.writeNumberField("bareThroughputRatio", all.get(2).perSecond() / jdbc.perSecond());
            }
            g.writeNumberField("openLoopPerSecond", openRate);
            g.writeNumberField("openLoopP99Ratio", httpOpen.millis(99) / jdbcOpen.millis(99));
            g.writeArrayFieldStart("results");
            for (int i = 0; i < all.size(); i++) {
                LoadRun.Result r = all.get(i);
                g.writeStartObject();
                g.writeStringField("target", r.target());
                g.writeBooleanField("openLoop", i >= closed);
                g.writeNumberField("operations", r.operations());
                g.writeNumberField("errors", r.errors());
                g.writeNumberField("perSecond", r.perSecond());
                Results.writeLatency(g, "latency", r.latency(), 1e6);
                r.cpu().write(g, "operation", r.operations(), 0);
                g.writeEndObject();
            }
            g.writeEndArray();
        }));
        List<PercentilePlot.Series> series = new ArrayList<>(List.of(
                new PercentilePlot.Series("http (api-service)", http.latency(), 1e6),
                new PercentilePlot.Series("jdbc (straight to the shards)", jdbc.latency(), 1e6)));
        StringBuilder costs = new StringBuilder(http.cpu().html("CPU while http was measured", "operation",
                http.operations(), 0)).append(jdbc.cpu().html("CPU while jdbc was measured", "operation", jdbc.operations(), 0));
        if (closed > 2) {
            LoadRun.Result bare = all.get(2);
            series.add(new PercentilePlot.Series("bare (a Jetty core handler with JDBC)", bare.latency(), 1e6));
            costs.append(bare.cpu().html("CPU while bare was measured", "operation", bare.operations(), 0));
        }
        series.add(new PercentilePlot.Series("http, open loop at half of jdbc's rate (from when due)", httpOpen.latency(),
                1e6));
        series.add(new PercentilePlot.Series("jdbc, open loop at half of jdbc's rate (from when due)", jdbcOpen.latency(),
                1e6));
        out.println("plot:    " + results.plot("rtkv bench kv: operation latency", described, series, costs.toString()));
    }
}
