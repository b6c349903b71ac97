package rtkv.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import rtkv.infra.ClusterLayout;
import rtkv.infra.LocalCluster;

/**
 * {@code ./rtkv bench SCENARIO [--quick] [--option N ...]} against the running local cluster
 * ({@code ./rtkv up --detach}). Scenarios: {@code tables} (delivery latency and exactness over many
 * tables, {@link TablesRun}), {@code claps} (10,000 readers of one article, {@link ClapsRun}),
 * {@code connections} (the memory of idle subscribers, {@link ConnectionsRun}), {@code kv} (the mixed
 * HTTP workload with direct JDBC as the baseline, {@link KvScenario}), and {@code all} of them in turn.
 * {@code --quick} shrinks every scenario to a smoke run of seconds that checks exactness, not speed.
 * The exit status is 1 when a run lost, duplicated or reordered anything, or failed requests.
 */
public final class BenchMain {

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        // Keep-alive connections per destination for HttpURLConnection (default 5): one per client thread,
        // as the JDBC baseline has a connection per thread; else most requests pay a new TCP connection.
        System.setProperty("http.maxConnections", "256");
        PrintStream out = System.out;
        List<String> rest = new ArrayList<>(Arrays.asList(args));
        boolean quick = rest.remove("--quick");
        String scenario = rest.isEmpty() ? "" : rest.remove(0);
        if (!BenchOptions.SCENARIOS.contains(scenario) && !(scenario.equals("all") && rest.isEmpty())) {
            System.err.println(BenchOptions.usage());
            System.exit(2);
        }
        BenchOptions.Extras extras = BenchOptions.extras(scenario, rest);
        Map<String, Map<String, Integer>> runs = new LinkedHashMap<>();
        for (String name : scenario.equals("all") ? BenchOptions.SCENARIOS : List.of(scenario)) {
            runs.put(name, BenchOptions.parse(name, rest, quick));
        }
        LocalCluster cluster = running(ClusterLayout.configured(System.getenv()));
        Environment environment = Environment.of(cluster);
        boolean exact = true;
        for (var run : runs.entrySet()) {
            String name = run.getKey();
            Map<String, Integer> options = run.getValue();
            out.println();
            exact &= switch (name) {
                case "tables" -> new TablesScenario(options, extras, cluster, environment, out).run();
                case "claps" -> claps(options, cluster, environment, out);
                case "connections" -> connections(options, extras, cluster, environment, out);
                default -> new KvScenario(options, extras, cluster, environment, out).run();
            };
        }
        System.exit(exact ? 0 : 1);
    }

    private static boolean claps(Map<String, Integer> o, LocalCluster cluster, Environment environment, PrintStream out)
            throws Exception {
        ClapsRun.Setup setup = new ClapsRun.Setup(o.get("readers"), o.get("claps"), o.get("seconds"), o.get("conflate"),
                o.get("clappers"));
        String described = String.format(Locale.ROOT, "%,d readers of one article %s, %d claps/s for %d s"
                        + " from %d clappers sending at most every 200 ms; %s", setup.readers(), setup.conflateMillis() == 0
                        ? "unconflated (every change)" : "conflated to " + setup.conflateMillis() + " ms",
                setup.clapsPerSecond(), setup.seconds(), setup.clappers(), environment.describe());
        out.println("rtkv bench claps: " + described);
        ClapsRun.Result r = new ClapsRun(setup, cluster.apiUrl(), cluster.fanoutUrl(), cluster.adminKey(),
                CpuMeter.of(cluster), out).run();
        out.printf(Locale.ROOT, "readers subscribed          %d of %d, %d dropped during the run%n", r.connected(),
                r.readers(), r.dropped());
        out.printf(Locale.ROOT, "claps answered              %d (%.0f/s) in %d increments (%.0f/s), %d failed%n",
                r.clapsAcked(), r.clapsPerSecond(), r.requests(), r.requestsPerSecond(), r.clapErrors());
        out.printf(Locale.ROOT, "final count                 %d: %s%n", r.finalCount(), r.exact() ? "exact"
                : "NOT the number of claps answered");
        out.printf(Locale.ROOT, "frames per reader per s     %.2f mean, %.2f max (baseline reader without conflation: %.1f;"
                + " %.3fx); %,.0f frames/s delivered in all, until the last arrived%n", r.framesPerReaderPerSecond(), r.maxFramesPerReaderPerSecond(),
                r.baselineFramesPerSecond(), r.framesPerReaderPerSecond() / r.baselineFramesPerSecond(),
                r.framesPerSecondDelivered());
        out.printf(Locale.ROOT, "last click -> every reader  p50 %.0f ms, p99 %.0f ms, max %.0f ms (baseline reader: %.0f ms);"
                + " %d readers never showed the final count%n", r.delayMillis(50), r.delayMillis(99), r.delayMillis(100),
                r.baselineDelayMillis(), r.readersBehind());
        r.cpu().print(out, "clap", r.clapsAcked(), r.frames());
        Results results = new Results("claps");
        out.println("results: " + results.save(environment, g -> {
            g.writeNumberField("readers", setup.readers());
            g.writeNumberField("conflateMillis", setup.conflateMillis());
            g.writeNumberField("clapsPerSecondAsked", setup.clapsPerSecond());
            g.writeNumberField("seconds", setup.seconds());
            g.writeNumberField("clappers", setup.clappers());
            g.writeNumberField("connected", r.connected());
            g.writeNumberField("dropped", r.dropped());
            g.writeNumberField("clapsAcked", r.clapsAcked());
            g.writeNumberField("clapsPerSecond", r.clapsPerSecond());
            g.writeNumberField("requests", r.requests());
            g.writeNumberField("clapErrors", r.clapErrors());
            g.writeNumberField("finalCount", r.finalCount());
            g.writeBooleanField("exact", r.exact());
            g.writeNumberField("framesPerReaderPerSecond", r.framesPerReaderPerSecond());
            g.writeNumberField("maxFramesPerReaderPerSecond", r.maxFramesPerReaderPerSecond());
            g.writeNumberField("baselineFramesPerSecond", r.baselineFramesPerSecond());
            g.writeNumberField("framesPerSecondDelivered", r.framesPerSecondDelivered());
            Results.writeLatency(g, "lastClickToReader", r.delayMicros(), 1e3);
            g.writeNumberField("baselineDelayMs", r.baselineDelayMillis());
            g.writeNumberField("readersBehind", r.readersBehind());
            r.cpu().write(g, "clap", r.clapsAcked(), r.frames());
        }));
        out.println("plot:    " + results.plot("rtkv bench claps: last click -> each reader shows the final count",
                described, List.of(new PercentilePlot.Series("readers conflated to " + setup.conflateMillis() + " ms",
                        r.delayMicros(), 1e3)), r.cpu().html("CPU from the first click until every reader showed the"
                        + " final count", "clap", r.clapsAcked(), r.frames())));
        boolean exact = r.exact() && r.readersBehind() == 0 && r.dropped() == 0;
        out.println(exact ? "claps: exact" : "claps: NOT EXACT (see above)");
        return exact;
    }

    private static boolean connections(Map<String, Integer> o, BenchOptions.Extras extras, LocalCluster cluster,
                                       Environment environment, PrintStream out) throws Exception {
        ConnectionsRun.Setup setup = new ConnectionsRun.Setup(o.get("subscribers"), o.get("per-table"), extras.stream());
        long pid = cluster.process("fanout").orElseThrow(() -> new IllegalStateException("the fanout node is not running"))
                .pid();
        ConnectionsRun run = new ConnectionsRun(setup, CpuMeter.of(cluster), pid, cluster.fanoutUrl(), cluster.adminKey(),
                "bench-idle-", out);
        int subscribers = setup.subscribers();
        if (run.possible() < subscribers) {
            subscribers = run.possible();
            out.printf(Locale.ROOT, "rtkv bench connections: %,d subscribers asked, but this process and the fanout node may"
                    + " each open only %,d more files (ulimit -n, and no privilege to raise it): opening %,d%n",
                    setup.subscribers(), run.possible(), subscribers);
        }
        out.printf(Locale.ROOT, "rtkv bench connections: %,d idle subscribers, %d per table, %s, on one fanout node (pid %d);"
                + " %s%n", subscribers, setup.perTable(), setup.perConnection() == 0 ? "a WebSocket each"
                : setup.perConnection() + " per /v1/stream connection", pid, environment.describe());
        ConnectionsRun.Result r = run.run(subscribers);
        out.printf(Locale.ROOT, "subscribers   %,d live of %,d opened (%,d asked), %d closed, in %.1f s%n", r.live(), r.opened(),
                r.asked(), r.closed(), r.openSeconds());
        out.printf(Locale.ROOT, "heap          %.1f MB -> %.1f MB after a full GC: %.1f KB per subscriber%n",
                r.heapBeforeBytes() / 1e6, r.heapAfterBytes() / 1e6, r.heapPerConnection() / 1e3);
        out.printf(Locale.ROOT, "resident      %.1f MB -> %.1f MB: %.1f KB per subscriber%n", r.rssBeforeBytes() / 1e6,
                r.rssAfterBytes() / 1e6, r.rssPerConnection() / 1e3);
        // The host-independent figure behind the subscribes a second: what one costs the node. Every
        // handshake counts, live or refused, as each cost the node its work.
        r.openCpu().print(out, "subscribe", r.opened(), 0, false);
        out.println("results: " + new Results("connections").save(environment, g -> {
            g.writeNumberField("asked", r.asked());
            g.writeNumberField("opened", r.opened());
            g.writeNumberField("live", r.live());
            g.writeNumberField("closed", r.closed());
            g.writeNumberField("perTable", setup.perTable());
            g.writeNumberField("subscriptionsPerStream", setup.perConnection());
            g.writeNumberField("openSeconds", r.openSeconds());
            g.writeNumberField("heapBeforeBytes", r.heapBeforeBytes());
            g.writeNumberField("heapAfterBytes", r.heapAfterBytes());
            g.writeNumberField("heapPerSubscriberBytes", r.heapPerConnection());
            g.writeNumberField("rssBeforeBytes", r.rssBeforeBytes());
            g.writeNumberField("rssAfterBytes", r.rssAfterBytes());
            g.writeNumberField("rssPerSubscriberBytes", r.rssPerConnection());
            r.openCpu().write(g, "subscribe", r.opened(), 0);
        }));
        boolean exact = r.live() == r.opened() && r.closed() == 0;
        out.println(exact ? "connections: every subscriber live" : "connections: NOT every subscriber was live (see above)");
        return exact;
    }

    private static LocalCluster running(ClusterLayout layout) {
        LocalCluster cluster = LocalCluster.of(layout);
        if (!cluster.runningParts().containsAll(List.of("api", "fanout", "mariadb-0"))) {
            System.err.println("rtkv bench: no cluster is running from " + layout.dataDir() + "; start one with ./rtkv up --detach");
            System.exit(1);
        }
        return cluster;
    }
}
