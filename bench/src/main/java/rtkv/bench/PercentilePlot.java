package rtkv.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * A latency-by-percentile chart as one self-contained HTML page (inline SVG, no script): the x axis
 * spreads the tail the way HdrHistogram's plots do (90%, 99%, 99.9% equally far apart), the y axis is
 * milliseconds.
 */
final class PercentilePlot {

    /** One line of the chart; {@code unitsPerMilli} converts the histogram's values to milliseconds. */
    record Series(String name, Histogram histogram, double unitsPerMilli) {
    }

    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e"};
    private static final int WIDTH = 900;
    private static final int HEIGHT = 480;
    private static final int LEFT = 70;
    private static final int RIGHT = 40;
    private static final int TOP = 20;
    private static final int BOTTOM = 50;
    /** The x axis ends at 99.999%. */
    private static final double MAX_NINES = 5;
    private static final String[] NINES_LABELS = {"0%", "90%", "99%", "99.9%", "99.99%", "99.999%"};

    private PercentilePlot() {
    }

    static String html(String title, String setup, List<Series> series) {
        return html(title, setup, series, "");
    }

    /** The chart and its table, then {@code after}: more HTML, such as the run's CPU costs. */
    static String html(String title, String setup, List<Series> series, String after) {
        double maxMillis = 0;
        List<List<double[]>> lines = new ArrayList<>();
        for (Series s : series) {
            List<double[]> points = new ArrayList<>();
            if (s.histogram().getTotalCount() > 0) {
                for (HistogramIterationValue v : s.histogram().percentiles(5)) {
                    double nines = nines(v.getPercentileLevelIteratedTo() / 100);
                    if (nines > MAX_NINES) {
                        break;
                    }
                    double millis = v.getValueIteratedTo() / s.unitsPerMilli();
                    points.add(new double[] {nines, millis});
                    maxMillis = Math.max(maxMillis, millis);
                }
                points.add(new double[] {Math.min(MAX_NINES, nines(1 - 1.0 / s.histogram().getTotalCount())),
                        s.histogram().getMaxValue() / s.unitsPerMilli()});
                maxMillis = Math.max(maxMillis, s.histogram().getMaxValue() / s.unitsPerMilli());
            }
            lines.add(points);
        }
        double yMax = niceCeiling(Math.max(1, maxMillis));
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' "
                + "font-family='sans-serif' font-size='12'>%n", WIDTH, HEIGHT));
        int plotWidth = WIDTH - LEFT - RIGHT;
        int plotHeight = HEIGHT - TOP - BOTTOM;
        for (int n = 0; n <= MAX_NINES; n++) {
            double x = LEFT + plotWidth * n / MAX_NINES;
            String label = NINES_LABELS[n];
            svg.append(String.format(Locale.ROOT, "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' stroke='#ddd'/>"
                    + "<text x='%.1f' y='%d' text-anchor='middle'>%s</text>%n", x, TOP, x, TOP + plotHeight, x,
                    TOP + plotHeight + 18, label));
        }
        for (int i = 0; i <= 5; i++) {
            double value = yMax * i / 5;
            double y = TOP + plotHeight - plotHeight * i / 5.0;
            svg.append(String.format(Locale.ROOT, "<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' stroke='#ddd'/>"
                    + "<text x='%d' y='%.1f' text-anchor='end'>%s</text>%n", LEFT, y, LEFT + plotWidth, y, LEFT - 6,
                    y + 4, trim(value)));
        }
        svg.append(String.format(Locale.ROOT, "<text x='%d' y='%d' text-anchor='middle'>percentile</text>"
                + "<text x='16' y='%d' transform='rotate(-90 16 %d)' text-anchor='middle'>milliseconds</text>%n",
                LEFT + plotWidth / 2, HEIGHT - 8, TOP + plotHeight / 2, TOP + plotHeight / 2));
        for (int s = 0; s < series.size(); s++) {
            StringBuilder path = new StringBuilder();
            for (double[] p : lines.get(s)) {
                path.append(String.format(Locale.ROOT, "%.1f,%.1f ", LEFT + plotWidth * p[0] / MAX_NINES,
                        TOP + plotHeight - plotHeight * Math.min(p[1], yMax) / yMax));
            }
            String color = COLORS[s % COLORS.length];
            svg.append(String.format(Locale.ROOT, "<polyline fill='none' stroke='%s' stroke-width='2' points='%s'/>%n",
                    color, path.toString().strip()));
            svg.append(String.format(Locale.ROOT, "<rect x='%d' y='%d' width='12' height='12' fill='%s'/>"
                    + "<text x='%d' y='%d'>%s</text>%n", LEFT + 12, TOP + 10 + 18 * s, color, LEFT + 30, TOP + 21 + 18 * s,
                    escape(series.get(s).name())));
        }
        svg.append("</svg>\n");
        StringBuilder table = new StringBuilder("<table><tr><th></th><th>count</th><th>p50</th><th>p90</th><th>p99</th>"
                + "<th>p99.9</th><th>max</th></tr>\n");
        for (Series s : series) {
            Histogram h = s.histogram();
            table.append("<tr><td>").append(escape(s.name())).append("</td><td>").append(h.getTotalCount()).append("</td>");
            for (double p : new double[] {50, 90, 99, 99.9}) {
                table.append("<td>").append(trim(h.getValueAtPercentile(p) / s.unitsPerMilli())).append(" ms</td>");
            }
            table.append("<td>").append(trim(h.getMaxValue() / s.unitsPerMilli())).append(" ms</td></tr>\n");
        }
        table.append("</table>\n");
        return "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'><title>" + escape(title) + "</title>\n"
                + "<style>body{font-family:sans-serif;margin:2em}td,th{padding:2px 10px;text-align:right}caption{text-align:left;margin-top:1em}</style>"
                + "</head>\n<body>\n<h1>" + escape(title) + "</h1>\n<p>" + escape(setup) + "</p>\n" + svg + table
                + after + "</body></html>\n";
    }

    /** How many nines a percentile has: 0.9 is 1, 0.99 is 2. */
    private static double nines(double fraction) {
        return fraction >= 1 ? MAX_NINES : -Math.log10(1 - fraction);
    }

    private static double niceCeiling(double value) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(value)));
        for (double step : new double[] {1, 2, 2.5, 5, 10}) {
            if (step * magnitude >= value) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }

    private static String trim(double millis) {
        return millis >= 100 ? String.format(Locale.ROOT, "%.0f", millis)
                : millis >= 10 ? String.format(Locale.ROOT, "%.1f", millis) : String.format(Locale.ROOT, "%.2f", millis);
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;");
    }
}
