package rtkv.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The scenarios of {@code ./rtkv bench}, their options with full-size and quick defaults, and their parsing. */
final class BenchOptions {

    static final List<String> SCENARIOS = List.of("tables", "claps", "connections", "kv");

    /** Each scenario's options and their full-size defaults, then its quick ones, in the same order. */
    private static final Map<String, Map<String, int[]>> OPTIONS = Map.of(
            "tables", options("tables", 1000, 50, "subscribers", 10, 4, "rate", 1000, 200, "seconds", 30, 5,
                    "warmup", 5, 1, "keys", 10, 10, "writers", 64, 16),
            "claps", options("readers", 10_000, 200, "claps", 500, 100, "seconds", 30, 5, "conflate", 250, 250,
                    "clappers", 50, 10),
            "connections", options("subscribers", 20_000, 500, "per-table", 50, 50),
            "kv", options("clients", 32, 4, "seconds", 20, 3, "warmup", 10, 1, "tables", 16, 4, "keys", 1000, 100));

    /**
     * Options that are not one number: the tables scenario's rate sweep, a same-run baseline for tables and
     * kv, and {@code --stream N} for tables and connections: subscribers share {@code /v1/stream}
     * connections, N subscriptions each, instead of a WebSocket each (0).
     */
    record Extras(List<Integer> rates, boolean bareBaseline, int stream) {
        static final Extras NONE = new Extras(List.of(), false, 0);
    }

    private BenchOptions() {
    }

    /**
     * Takes {@code --rates R1,R2,...} (tables only) and {@code --baseline bare} (tables and kv) out of
     * {@code args}. Exits with the usage on a bad value.
     */
    static Extras extras(String scenario, List<String> args) {
        List<String> errors = new ArrayList<>();
        String rates = take(args, "--rates", errors);
        String baseline = take(args, "--baseline", errors);
        String stream = take(args, "--stream", errors);
        int perConnection = 0;
        if (stream != null) {
            try {
                perConnection = Integer.parseInt(stream);
                if (perConnection < 1 || perConnection > 1000) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                errors.add("--stream takes how many subscriptions share each /v1/stream connection, 1 to 1000 (the"
                        + " node's limit by default), not " + stream);
            }
            if (!scenario.equals("tables") && !scenario.equals("connections")) {
                errors.add("--stream is an option of tables and connections only");
            }
            if (baseline != null) {
                errors.add("--stream and --baseline bare do not go together: the bare broadcaster has no /v1/stream");
            }
        }
        List<Integer> sweep = new ArrayList<>();
        if (rates != null && !scenario.equals("tables")) {
            errors.add("--rates is an option of tables only");
        }
        if (baseline != null && !scenario.equals("tables") && !scenario.equals("kv")) {
            errors.add("--baseline is an option of tables and kv only");
        }
        if (rates != null) {
            for (String rate : rates.split(",", -1)) {
                try {
                    int r = Integer.parseInt(rate.strip());
                    if (r < 1 || sweep.contains(r)) {
                        throw new NumberFormatException();
                    }
                    sweep.add(r);
                } catch (NumberFormatException e) {
                    errors.add("--rates takes distinct positive writes per second, separated by commas, not " + rates);
                    break;
                }
            }
        }
        if (baseline != null && !baseline.equals("bare")) {
            errors.add("--baseline takes bare (for tables a Jetty broadcaster with no Kafka and no state, for kv a"
                    + " Jetty handler with JDBC and no checks), not " + baseline);
        }
        fail(errors);
        return new Extras(List.copyOf(sweep), baseline != null, perConnection);
    }

    private static String take(List<String> args, String option, List<String> errors) {
        int at = args.indexOf(option);
        if (at < 0) {
            return null;
        }
        if (at + 1 >= args.size()) {
            errors.add(option + " needs a value");
            args.remove(at);
            return null;
        }
        args.remove(at);
        return args.remove(at);
    }

    private static void fail(List<String> errors) {
        if (!errors.isEmpty()) {
            errors.forEach(e -> System.err.println("rtkv bench: " + e));
            System.err.println(usage());
            System.exit(2);
        }
    }

    static String usage() {
        StringBuilder usage = new StringBuilder("usage: ./rtkv bench SCENARIO [--quick] [--option N ...]\n");
        for (String name : SCENARIOS) {
            usage.append(String.format(Locale.ROOT, "  %-12s", name));
            OPTIONS.get(name).forEach((option, defaults) -> usage.append(" [--").append(option).append(' ')
                    .append(defaults[0]).append(']'));
            usage.append(switch (name) {
                case "tables" -> "\n               [--rates R1,R2,...] [--baseline bare] [--stream N]\n";
                case "connections" -> " [--stream N]\n";
                case "kv" -> " [--baseline bare]\n";
                default -> "\n";
            });
        }
        return usage.append("  all          every scenario in turn, with their defaults (or --quick)").toString();
    }

    /** Name, full default, quick default; repeated. */
    private static Map<String, int[]> options(Object... triples) {
        Map<String, int[]> options = new LinkedHashMap<>();
        for (int i = 0; i < triples.length; i += 3) {
            options.put((String) triples[i], new int[] {(Integer) triples[i + 1], (Integer) triples[i + 2]});
        }
        return options;
    }

    static Map<String, Integer> parse(String scenario, List<String> args, boolean quick) {
        Map<String, int[]> known = OPTIONS.get(scenario);
        Map<String, Integer> options = new LinkedHashMap<>();
        known.forEach((name, defaults) -> options.put(name, defaults[quick ? 1 : 0]));
        List<String> errors = new ArrayList<>();
        for (int i = 0; i < args.size(); i += 2) {
            String name = args.get(i).replaceFirst("^--", "");
            if (!args.get(i).startsWith("--")) {
                errors.add("expected an option, not " + args.get(i));
                i--;
                continue;
            }
            if (!known.containsKey(name)) {
                errors.add("unknown option " + args.get(i) + " for " + scenario);
                continue;
            }
            if (i + 1 >= args.size()) {
                errors.add("--" + name + " needs a value");
                break;
            }
            try {
                int value = Integer.parseInt(args.get(i + 1));
                if (value < (name.equals("warmup") || name.equals("conflate") ? 0 : 1)) {
                    throw new NumberFormatException();
                }
                options.put(name, value);
            } catch (NumberFormatException e) {
                errors.add("--" + name + " takes a " + (name.equals("warmup") || name.equals("conflate") ? "whole number"
                        : "positive whole number")
                        + ", not " + args.get(i + 1));
            }
        }
        Integer conflate = options.get("conflate");
        if (conflate != null && conflate != 0 && (conflate < 50 || conflate > 60_000)) {
            errors.add("--conflate takes 50 to 60000 milliseconds, as the fanout node does, or 0 for every change");
        }
        fail(errors);
        return options;
    }

}
