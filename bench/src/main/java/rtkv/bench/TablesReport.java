package rtkv.bench;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** What a tables run prints and keeps: one run, a sweep of rates with its knee, and the bare baseline beside rtkv. */
final class TablesReport {

    private TablesReport() {
    }

    static void print(TablesRun.Setup setup, TablesRun.Result r, PrintStream out) {
        out.printf(Locale.ROOT, "subscribers          %,d live of %,d, %d closed during the run%n", r.connected(),
                r.subscribers(), r.dropped());
        out.printf(Locale.ROOT, "writes               %,d acknowledged, %d failed, %,.0f/s (%,d/s asked); answered from when due:"
                        + " p50 %.1f ms, p99 %.1f ms%n", r.writesAcked(), r.writeErrors(), r.writesPerSecond(),
                setup.writesPerSecond(), millis(r.writeLatency(), 50), millis(r.writeLatency(), 99));
        out.printf(Locale.ROOT, "deliveries           %,d of %,d expected, %,.0f frames/s: %d lost, %d duplicated, %d out of order%n",
                r.delivered(), r.expectedDeliveries(), r.framesPerSecond(), r.lost(), r.duplicated(), r.outOfOrder());
        for (var line : List.of(Map.entry("sent -> delivered   ", r.fromSent()), Map.entry("answer -> delivered ",
                r.fromAnswer()))) {
            Histogram h = line.getValue();
            out.printf(Locale.ROOT, "%s p50 %.1f ms, p99 %.1f ms, p999 %.1f ms, max %.1f ms%n", line.getKey(), millis(h, 50),
                    millis(h, 99), millis(h, 99.9), h.getMaxValue() / 1e3);
        }
        r.cpu().print(out, "write", r.measuredWrites(), r.measuredFrames());
    }

    static void save(TablesRun.Setup setup, TablesRun.Result r, String described, Environment environment, PrintStream out)
            throws IOException {
        Results results = new Results("tables");
        out.println("results: " + results.save(environment, g -> {
            setup(g, setup);
            result(g, r);
        }));
        out.println("plot:    " + results.plot("rtkv bench tables: delivery latency", described, List.of(
                new PercentilePlot.Series("write sent -> delivered (upper bound of commit -> delivery)", r.fromSent(), 1e3),
                new PercentilePlot.Series("write answered -> delivered (lower bound)", r.fromAnswer(), 1e3),
                new PercentilePlot.Series("write answered (from when it was due)", r.writeLatency(), 1e3)),
                r.cpu().html("CPU from the first measured write to the last delivery", "write", r.measuredWrites(),
                        r.measuredFrames())));
    }

    static boolean exact(TablesRun.Result r) {
        return r.lost() == 0 && r.duplicated() == 0 && r.outOfOrder() == 0 && r.dropped() == 0 && r.writeErrors() == 0;
    }

    /** The highest rate tried that was delivered exactly with an answer-to-delivery p99 under 100 ms; null if none. */
    static Integer knee(Map<TablesRun.Setup, TablesRun.Result> runs) {
        Integer knee = null;
        for (var run : runs.entrySet()) {
            int rate = run.getKey().writesPerSecond();
            if (exact(run.getValue()) && millis(run.getValue().fromAnswer(), 99) < TablesScenario.KNEE_P99_MILLIS
                    && (knee == null || rate > knee)) {
                knee = rate;
            }
        }
        return knee;
    }

    static boolean exact(TablesRun.Result r, PrintStream out) {
        boolean exact = exact(r);
        out.println(exact ? "tables: exact" : "tables: NOT EXACT (see above)");
        return exact;
    }

    /** One line per rate, and the knee: the highest rate delivered exactly with an answer-to-delivery p99 under 100 ms. */
    static void sweep(Map<TablesRun.Setup, TablesRun.Result> runs, Environment environment, PrintStream out)
            throws IOException {
        out.printf(Locale.ROOT, "%nrtkv bench tables --rates: answer -> delivered, and CPU over each measured window%n");
        out.printf(Locale.ROOT, "%8s %10s %9s %9s %11s %12s %12s %6s %6s%n", "rate", "achieved", "p50 ms", "p99 ms",
                "busy", "rtkv/write", "fanout/frame", "x DB", "exact");
        for (var run : runs.entrySet()) {
            TablesRun.Setup s = run.getKey();
            TablesRun.Result r = run.getValue();
            CpuCosts cpu = r.cpu();
            boolean exact = exact(r);
            double p50 = millis(r.fromAnswer(), 50);
            double p99 = millis(r.fromAnswer(), 99);
            out.println(String.format(Locale.ROOT, "%8d %10.0f %9.1f %9.1f %10.0f%% %9.0f us %9.1f us %6.2f %6s",
                    s.writesPerSecond(), r.writesPerSecond(), p50, p99, cpu.busyPercent(),
                    r.perWriteMicros(cpu.rtkvSeconds()), r.perFrameMicros(cpu.fanoutSeconds()), cpu.rtkvToMariadb(),
                    exact ? "yes" : "NO"));
        }
        Integer knee = knee(runs);
        String kneeLine = knee == null ? "knee: no rate tried had an answer -> delivered p99 under 100 ms"
                : "knee: " + knee + " writes/s, the highest rate tried that was exact with an answer -> delivered p99"
                + " under 100 ms";
        out.println(kneeLine);
        Integer kneeRate = knee;
        Results results = new Results("tables-sweep");
        out.println("results: " + results.save(environment, g -> {
            if (kneeRate != null) {
                g.writeNumberField("knee", kneeRate);
            }
            g.writeNumberField("kneeP99Ms", TablesScenario.KNEE_P99_MILLIS);
            g.writeArrayFieldStart("runs");
            for (var run : runs.entrySet()) {
                g.writeStartObject();
                setup(g, run.getKey());
                result(g, run.getValue());
                g.writeEndObject();
            }
            g.writeEndArray();
        }));
        out.println("plot:    " + results.write(".html", RatePlot.html(runs, kneeLine)));
    }

    /** rtkv's run and the bare broadcaster's, side by side. */
    static void saveBaseline(TablesRun.Setup setup, TablesRun.Result rtkv, TablesRun.Result bare, double rtkvPerFrame,
                             double barePerFrame, Environment environment, PrintStream out) throws IOException {
        out.println("results: " + new Results("tables-bare").save(environment, g -> {
            setup(g, setup);
            g.writeNumberField("fanoutPerFrameUs", rtkvPerFrame);
            g.writeNumberField("barePerFrameUs", barePerFrame);
            g.writeNumberField("fanoutToBare", rtkvPerFrame / barePerFrame);
            g.writeObjectFieldStart("rtkv");
            result(g, rtkv);
            g.writeEndObject();
            g.writeObjectFieldStart("bare");
            result(g, bare);
            g.writeEndObject();
        }));
    }

    static double millis(Histogram h, double percentile) {
        return h.getValueAtPercentile(percentile) / 1e3;
    }

    private static void setup(JsonGenerator g, TablesRun.Setup setup) throws IOException {
        g.writeNumberField("tables", setup.tables());
        g.writeNumberField("subscribersPerTable", setup.subscribersPerTable());
        g.writeNumberField("subscriptionsPerStream", setup.perConnection());
        g.writeNumberField("writesPerSecondAsked", setup.writesPerSecond());
        g.writeNumberField("seconds", setup.seconds());
        g.writeNumberField("warmupSeconds", setup.warmupSeconds());
        g.writeNumberField("keysPerTable", setup.keysPerTable());
        g.writeNumberField("writers", setup.writers());
    }

    private static void result(JsonGenerator g, TablesRun.Result r) throws IOException {
        g.writeNumberField("connected", r.connected());
        g.writeNumberField("dropped", r.dropped());
        g.writeNumberField("writesAcked", r.writesAcked());
        g.writeNumberField("writeErrors", r.writeErrors());
        g.writeNumberField("writesPerSecond", r.writesPerSecond());
        g.writeNumberField("expectedDeliveries", r.expectedDeliveries());
        g.writeNumberField("delivered", r.delivered());
        g.writeNumberField("lost", r.lost());
        g.writeNumberField("duplicated", r.duplicated());
        g.writeNumberField("outOfOrder", r.outOfOrder());
        g.writeNumberField("framesPerSecond", r.framesPerSecond());
        Results.writeLatency(g, "sentToDelivered", r.fromSent(), 1e3);
        Results.writeLatency(g, "answerToDelivered", r.fromAnswer(), 1e3);
        Results.writeLatency(g, "writeAnswered", r.writeLatency(), 1e3);
        r.cpu().write(g, "write", r.measuredWrites(), r.measuredFrames());
    }
}
