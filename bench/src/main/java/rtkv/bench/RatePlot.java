package rtkv.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The page of a rate sweep: answer-to-delivery p50 and p99 against the rate (log scale), and the costs per rate. */
final class RatePlot {

    private static final int WIDTH = 760;
    private static final int HEIGHT = 380;
    private static final int LEFT = 70;
    private static final int RIGHT = 20;
    private static final int TOP = 20;
    private static final int BOTTOM = 50;

    private RatePlot() {
    }

    static String html(Map<TablesRun.Setup, TablesRun.Result> runs, String knee) {
        List<TablesRun.Setup> setups = new ArrayList<>(runs.keySet());
        double max = 1;
        for (TablesRun.Result r : runs.values()) {
            max = Math.max(max, TablesReport.millis(r.fromAnswer(), 99));
        }
        // At least up to 100 ms, where the knee is drawn.
        double decades = Math.max(2, Math.ceil(Math.log10(max)));
        int plotWidth = WIDTH - LEFT - RIGHT;
        int plotHeight = HEIGHT - TOP - BOTTOM;
        StringBuilder svg = new StringBuilder(String.format(Locale.ROOT, "<svg xmlns='http://www.w3.org/2000/svg' width='%d'"
                + " height='%d' font-family='sans-serif' font-size='12'>%n", WIDTH, HEIGHT));
        for (int d = 0; d <= decades; d++) {
            double y = TOP + plotHeight - plotHeight * d / decades;
            svg.append(String.format(Locale.ROOT, "<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' stroke='#ddd'/><text x='%d'"
                    + " y='%.1f' text-anchor='end'>%s ms</text>%n", LEFT, y, LEFT + plotWidth, y, LEFT - 6, y + 4,
                    d == 0 ? "1" : String.format(Locale.ROOT, "%,.0f", Math.pow(10, d))));
        }
        double kneeY = TOP + plotHeight - plotHeight * Math.log10(TablesScenario.KNEE_P99_MILLIS) / decades;
        svg.append(String.format(Locale.ROOT, "<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' stroke='#999' stroke-dasharray='4'/>%n",
                LEFT, kneeY, LEFT + plotWidth, kneeY));
        for (int i = 0; i < setups.size(); i++) {
            svg.append(String.format(Locale.ROOT, "<text x='%.1f' y='%d' text-anchor='middle'>%,d/s</text>%n", x(i, setups.size(),
                    plotWidth), TOP + plotHeight + 18, setups.get(i).writesPerSecond()));
        }
        String[] names = {"answer -> delivered p50", "answer -> delivered p99"};
        String[] colors = {"#1f77b4", "#d62728"};
        for (int line = 0; line < 2; line++) {
            StringBuilder points = new StringBuilder();
            for (int i = 0; i < setups.size(); i++) {
                double ms = Math.max(1, TablesReport.millis(runs.get(setups.get(i)).fromAnswer(), line == 0 ? 50 : 99));
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x(i, setups.size(), plotWidth),
                        TOP + plotHeight - plotHeight * Math.log10(ms) / decades));
            }
            svg.append(String.format(Locale.ROOT, "<polyline fill='none' stroke='%s' stroke-width='2' points='%s'/>"
                    + "<rect x='%d' y='%d' width='12' height='12' fill='%s'/><text x='%d' y='%d'>%s</text>%n", colors[line],
                    points.toString().strip(), LEFT + 12, TOP + 10 + 18 * line, colors[line], LEFT + 30, TOP + 21 + 18 * line,
                    names[line]));
        }
        svg.append(String.format(Locale.ROOT, "<text x='%d' y='%d' text-anchor='middle'>writes per second asked</text></svg>%n",
                LEFT + plotWidth / 2, HEIGHT - 8));
        StringBuilder table = new StringBuilder("<table><tr><th>rate</th><th>achieved</th><th>p50</th><th>p99</th>"
                + "<th>machine busy</th><th>rtkv CPU per write</th><th>fanout CPU per frame</th><th>rtkv / MariaDB</th>"
                + "<th>lost</th></tr>\n");
        for (var run : runs.entrySet()) {
            TablesRun.Result r = run.getValue();
            CpuCosts cpu = r.cpu();
            table.append(String.format(Locale.ROOT, "<tr><td>%,d/s</td><td>%,.0f/s</td><td>%.1f ms</td><td>%.1f ms</td>"
                    + "<td>%.0f%%</td><td>%.0f us</td><td>%.1f us</td><td>%.2fx</td><td>%d</td></tr>%n",
                    run.getKey().writesPerSecond(), r.writesPerSecond(), TablesReport.millis(r.fromAnswer(), 50),
                    TablesReport.millis(r.fromAnswer(), 99), cpu.busyPercent(), r.perWriteMicros(cpu.rtkvSeconds()),
                    r.perFrameMicros(cpu.fanoutSeconds()),
                    cpu.rtkvToMariadb(), r.lost()));
        }
        return "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'><title>rtkv bench tables: rate sweep</title>\n"
                + "<style>body{font-family:sans-serif;margin:2em}td,th{padding:2px 10px;text-align:right}</style></head>\n"
                + "<body>\n<h1>rtkv bench tables: rate sweep</h1>\n<p>" + PercentilePlot.escape(knee) + " (dashed line)</p>\n"
                + svg + table + "</table>\n</body></html>\n";
    }

    private static double x(int index, int count, int plotWidth) {
        return LEFT + (count == 1 ? plotWidth / 2.0 : plotWidth * (0.05 + 0.9 * index / (count - 1)));
    }
}
