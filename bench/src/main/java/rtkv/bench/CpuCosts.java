package rtkv.bench;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The CPU each part spent over a measured window ({@link CpuMeter}), and its cost per write and per
 * delivered frame. rtkv's own processes (api, relays, fanout) are set against MariaDB's in the same
 * window, which is the ratio the efficiency goals are stated in: it holds however fast the host is that
 * day, where an absolute time does not.
 */
record CpuCosts(double seconds, List<Part> parts, double machineBusySeconds, int cores) {

    record Part(String name, double cpuSeconds) {
    }

    /** api-service, the relays and the fanout nodes: what rtkv adds to the database and the log. */
    static boolean isRtkv(String part) {
        return part.equals("api") || part.startsWith("api-") || part.startsWith("relay-") || part.startsWith("fanout");
    }

    static boolean isMariadb(String part) {
        return part.startsWith("mariadb-");
    }

    double cpuSeconds(String part) {
        return parts.stream().filter(p -> p.name().equals(part)).mapToDouble(Part::cpuSeconds).sum();
    }

    /** Every fanout node's. */
    double fanoutSeconds() {
        return parts.stream().filter(p -> p.name().startsWith("fanout")).mapToDouble(Part::cpuSeconds).sum();
    }

    double rtkvSeconds() {
        return parts.stream().filter(p -> isRtkv(p.name())).mapToDouble(Part::cpuSeconds).sum();
    }

    double mariadbSeconds() {
        return parts.stream().filter(p -> isMariadb(p.name())).mapToDouble(Part::cpuSeconds).sum();
    }

    /** The machine's busy time that no part accounts for: the kernel's own work, and anything else running. */
    double otherSeconds() {
        return Math.max(0, machineBusySeconds - parts.stream().mapToDouble(Part::cpuSeconds).sum());
    }

    /** rtkv's CPU per write over MariaDB's; NaN when MariaDB spent nothing measurable. */
    double rtkvToMariadb() {
        return mariadbSeconds() > 0 ? rtkvSeconds() / mariadbSeconds() : Double.NaN;
    }

    /** The machine's busy share of its CPU time over the window, in percent. */
    double busyPercent() {
        return 100 * machineBusySeconds / (seconds * cores);
    }

    /** What a table shows: each part, the rest, then rtkv's and MariaDB's totals when both were measured. */
    private List<Part> rows() {
        List<Part> rows = new ArrayList<>(parts);
        rows.add(new Part("OS and other", otherSeconds()));
        if (!Double.isNaN(rtkvToMariadb())) {
            rows.add(new Part("rtkv (api+relays+fanout)", rtkvSeconds()));
            rows.add(new Part("MariaDB (all shards)", mariadbSeconds()));
        }
        return rows;
    }

    /** The table, per {@code unit} (a write, a clap, an operation) and per frame where there were any. */
    void print(PrintStream out, String unit, long units, long frames) {
        print(out, unit, units, frames, true);
    }

    /**
     * The same, with the line that sets rtkv's CPU per unit against MariaDB's only when
     * {@code againstMariadb}: for a unit MariaDB has little part in (a subscribe) it says nothing.
     */
    void print(PrintStream out, String unit, long units, long frames, boolean againstMariadb) {
        out.printf(Locale.ROOT, "CPU over the %.1f s measured (%d cores; the machine was %.0f%% busy):%n", seconds, cores,
                busyPercent());
        out.printf(Locale.ROOT, "  %-26s %9s %8s %12s %12s%n", "process", "CPU s", "cores", "per " + unit, "per frame");
        for (Part row : rows()) {
            out.printf(Locale.ROOT, "  %-26s %9.2f %8.2f %12s %12s%n", row.name(), row.cpuSeconds(),
                    row.cpuSeconds() / seconds, micros(row.cpuSeconds(), units), micros(row.cpuSeconds(), frames));
        }
        if (againstMariadb && !Double.isNaN(rtkvToMariadb())) {
            out.printf(Locale.ROOT, "  rtkv's CPU per %s is %.2fx MariaDB's%n", unit, rtkvToMariadb());
        }
    }

    private static String micros(double cpuSeconds, long count) {
        return count == 0 ? "-" : String.format(Locale.ROOT, "%.1f us", cpuSeconds * 1e6 / count);
    }

    /**
     * {@code "cpu": {seconds, cores, machineBusySeconds, unit, units, frames, rtkvSeconds, mariadbSeconds,
     * rtkvToMariadb, parts: [{name, cpuSeconds, perUnitUs, perFrameUs}]}}; a unit is a write, a clap, an
     * operation or a subscribe.
     */
    void write(JsonGenerator g, String unit, long units, long frames) throws IOException {
        g.writeObjectFieldStart("cpu");
        g.writeNumberField("seconds", seconds);
        g.writeNumberField("cores", cores);
        g.writeNumberField("machineBusySeconds", machineBusySeconds);
        g.writeStringField("unit", unit);
        g.writeNumberField("units", units);
        g.writeNumberField("frames", frames);
        g.writeNumberField("rtkvSeconds", rtkvSeconds());
        g.writeNumberField("mariadbSeconds", mariadbSeconds());
        if (!Double.isNaN(rtkvToMariadb())) {
            g.writeNumberField("rtkvToMariadb", rtkvToMariadb());
        }
        g.writeArrayFieldStart("parts");
        for (Part p : parts) {
            g.writeStartObject();
            g.writeStringField("name", p.name());
            g.writeNumberField("cpuSeconds", p.cpuSeconds());
            perUnit(g, "perUnitUs", p.cpuSeconds(), units);
            perUnit(g, "perFrameUs", p.cpuSeconds(), frames);
            g.writeEndObject();
        }
        g.writeStartObject();
        g.writeStringField("name", "OS and other");
        g.writeNumberField("cpuSeconds", otherSeconds());
        g.writeEndObject();
        g.writeEndArray();
        g.writeEndObject();
    }

    private static void perUnit(JsonGenerator g, String field, double cpuSeconds, long count) throws IOException {
        if (count > 0) {
            g.writeNumberField(field, cpuSeconds * 1e6 / count);
        }
    }

    /** The same table for the plot page. */
    String html(String caption, String unit, long units, long frames) {
        StringBuilder table = new StringBuilder("<table class=\"costs\"><caption>").append(PercentilePlot.escape(caption))
                .append(String.format(Locale.ROOT, " (%.1f s, %d cores, machine %.0f%% busy)", seconds, cores, busyPercent()))
                .append("</caption><tr><th>process</th><th>CPU s</th><th>cores</th><th>per ").append(PercentilePlot.escape(unit))
                .append("</th><th>per frame</th></tr>");
        for (Part row : rows()) {
            table.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%.2f</td><td>%.2f</td><td>%s</td><td>%s</td></tr>",
                    PercentilePlot.escape(row.name()), row.cpuSeconds(), row.cpuSeconds() / seconds,
                    micros(row.cpuSeconds(), units), micros(row.cpuSeconds(), frames)));
        }
        table.append("</table>");
        if (!Double.isNaN(rtkvToMariadb())) {
            table.append(String.format(Locale.ROOT, "<p>rtkv's CPU per %s is %.2fx MariaDB's.</p>",
                    PercentilePlot.escape(unit), rtkvToMariadb()));
        }
        return table.toString();
    }
}
