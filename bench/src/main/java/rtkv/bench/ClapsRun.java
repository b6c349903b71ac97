package rtkv.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;

/**
 * {@code ./rtkv bench claps}: many readers of one article, subscribed with conflation, while claps arrive
 * at a steady rate through the HTTP API. Reports whether the final count is exact, the frames each
 * reader received per second, and the delay from the last clap's answer until every reader shows the
 * final count. The baseline, in the same run, is one reader subscribed without conflation: it receives
 * every clap, and its delay is the pipeline's own.
 */
final class ClapsRun {

    private static final Pattern CLAPS = Pattern.compile("\"key\":\"claps\",\"value\":(\\d+)");

    record Setup(int readers, int clapsPerSecond, int seconds, int conflateMillis, int clappers) {
    }

    /** One subscriber: the latest count it was sent, when, and how many frames of the count it got. */
    static final class Reader extends Sockets.Socket {
        private volatile long count = -1;
        private volatile long updatedNanos;
        private final AtomicLong frames = new AtomicLong();
        private volatile boolean live;

        @Override
        protected void onFrame(String frame, long nanos) {
            Matcher claps = CLAPS.matcher(frame);
            if (frame.startsWith("{\"type\":\"change\"") && claps.find()) {
                frames.incrementAndGet();
                update(Long.parseLong(claps.group(1)), nanos);
            } else if (frame.startsWith("{\"type\":\"snapshot\"")) {
                if (claps.find()) {
                    update(Long.parseLong(claps.group(1)), nanos);
                }
                live |= frame.contains("\"last\":true");
            }
        }

        private void update(long value, long nanos) {
            if (value > count) {
                count = value;
                updatedNanos = nanos;
            }
        }
    }

    /**
     * Delays run from the last click to the moment a reader got the final count; rates are over the time
     * from the first click to the last increment's answer.
     */
    record Result(int readers, int connected, int dropped, long clapsAcked, long clapErrors, long requests,
                  double clapsPerSecond, double requestsPerSecond, long finalCount, boolean exact,
                  double framesPerReaderPerSecond, double maxFramesPerReaderPerSecond, double baselineFramesPerSecond,
                  Histogram delayMicros, double baselineDelayMillis, int readersBehind, double framesPerSecondDelivered,
                  CpuCosts cpu, long frames) {
        double delayMillis(double percentile) {
            return delayMicros.getTotalCount() == 0 ? Double.NaN : delayMicros.getValueAtPercentile(percentile) / 1e3;
        }
    }

    private final Setup setup;
    private final String apiUrl;
    private final String fanoutUrl;
    private final String adminKey;
    private final PrintStream out;
    private final CpuMeter cpu;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    ClapsRun(Setup setup, String apiUrl, String fanoutUrl, String adminKey, CpuMeter cpu, PrintStream out) {
        this.setup = setup;
        this.cpu = cpu;
        this.apiUrl = apiUrl;
        this.fanoutUrl = fanoutUrl;
        this.adminKey = adminKey;
        this.out = out;
    }

    Result run() throws Exception {
        String table = "article.bench-" + System.currentTimeMillis();
        call("PUT", keyPath(table, "title"), "\"A hot article\"");
        call("PUT", keyPath(table, "claps"), "0");
        call("PUT", keyPath("rtkv.settings", table), "{\"maxSubscribers\": " + (setup.readers() + 10) + "}");

        Reader baseline = new Reader();
        List<Reader> readers = new ArrayList<>();
        Progress progress = new Progress(out, "claps");
        try (Sockets sockets = new Sockets(fanoutUrl, adminKey)) {
            long opening = System.nanoTime();
            sockets.subscribe(baseline, table, "");
            for (int i = 0; i < setup.readers(); i++) {
                Reader reader = new Reader();
                readers.add(reader);
                sockets.subscribe(reader, table, setup.conflateMillis() == 0 ? "" : "conflate=" + setup.conflateMillis());
                if (readers.size() % 500 == 0) {
                    progress.show(String.format(Locale.ROOT, "subscribing: %,d of %,d", readers.size(), setup.readers()));
                }
            }
            long connected = awaitLive(readers, baseline, Duration.ofSeconds(120), progress);
            progress.done();
            out.printf(Locale.ROOT, "%d of %d readers subscribed in %.1f s%n", connected, setup.readers(),
                    (System.nanoTime() - opening) / 1e9);

            readers.forEach(r -> r.frames.set(0));
            baseline.frames.set(0);
            CpuMeter.Sample clapping = cpu.sample();
            Clapped clapped = clap(table, progress);
            long finalCount = Long.parseLong(valueOf(call("GET", keyPath(table, "claps"), null)));
            long behind = awaitCount(readers, baseline, finalCount, Duration.ofSeconds(60));
            CpuCosts costs = cpu.since(clapping);

            long lastClick = clapped.lastClickNanos();
            Histogram delays = new Histogram(3);
            readers.stream().filter(r -> r.count == finalCount)
                    .forEach(r -> delays.recordValue(Math.max(0, r.updatedNanos - lastClick) / 1_000));
            double window = (clapped.lastAnswerNanos() - clapped.firstClickNanos()) / 1e9;
            // Frames the node wrote, over the time until the last of them arrived: a node that falls
            // behind delivers after the clicks end, and its rate is what it sustained, not what was asked.
            long lastDelivery = readers.stream().mapToLong(r -> r.updatedNanos).max().orElse(clapped.lastAnswerNanos());
            double delivering = Math.max(window, (lastDelivery - clapped.firstClickNanos()) / 1e9);
            long frames = readers.stream().mapToLong(r -> r.frames.get()).sum();
            double[] perSecond = readers.stream().filter(r -> r.live && r.closed() == null)
                    .mapToDouble(r -> r.frames.get() / window).toArray();
            readers.stream().filter(r -> r.closed() != null)
                    .collect(Collectors.groupingBy(Sockets.Socket::closed, Collectors.counting()))
                    .forEach((why, count) -> out.printf(Locale.ROOT, "%d readers closed: %s%n", count, why));
            return new Result(setup.readers(), (int) connected, (int) readers.stream().filter(r -> r.closed() != null).count(),
                    clapped.acked(), clapped.failed(), clapped.requests(), clapped.acked() / window,
                    clapped.requests() / window, finalCount, finalCount == clapped.acked() && clapped.failed() == 0,
                    Arrays.stream(perSecond).average().orElse(0), Arrays.stream(perSecond).max().orElse(0),
                    baseline.frames.get() / window, delays,
                    baseline.count == finalCount ? Math.max(0, baseline.updatedNanos - lastClick) / 1e6 : Double.NaN,
                    (int) behind, frames / delivering, costs, frames + baseline.frames.get());
        } catch (Exception | Error e) {
            out.println("the run failed: " + e);
            throw e;
        } finally {
            try {
                call("DELETE", keyPath("rtkv.settings", table), null);
            } catch (IOException | RuntimeException e) {
                out.println("could not remove the raised cap of " + table + ": " + e.getMessage());
            }
        }
    }

    private static long awaitLive(List<Reader> readers, Reader baseline, Duration timeout, Progress progress)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long live;
        long closed;
        do {
            Thread.sleep(250);
            live = readers.stream().filter(r -> r.live).count();
            closed = readers.stream().filter(r -> r.closed() != null).count();
            progress.show(String.format(Locale.ROOT, "subscribed: %,d of %,d live, %,d closed", live, readers.size(), closed));
        } while ((live < readers.size() || !baseline.live) && System.nanoTime() < deadline && live + closed < readers.size());
        return live;
    }

    /** Waits until every live reader shows {@code count}; answers how many do not. */
    private static long awaitCount(List<Reader> readers, Reader baseline, long count, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long behind;
        do {
            Thread.sleep(5);
            behind = readers.stream().filter(r -> r.live && r.closed() == null && r.count != count).count()
                    + (baseline.count == count ? 0 : 1);
        } while (behind > 0 && System.nanoTime() < deadline);
        return behind;
    }

    /** What the clappers did: claps counted and not, requests, and when clicking and answering ended. */
    record Clapped(long acked, long failed, long requests, long firstClickNanos, long lastClickNanos,
                   long lastAnswerNanos) {
    }

    /** Clicks at a steady total rate, spread over {@code clappers} readers who send as the article page does. */
    private Clapped clap(String table, Progress progress) throws InterruptedException {
        Clappers clappers = new Clappers(setup.clappers(), http, URI.create(apiUrl + keyPath(table, "claps") + "/incr"),
                adminKey);
        ScheduledExecutorService senders = Executors.newSingleThreadScheduledExecutor();
        senders.scheduleAtFixedRate(clappers::sendDue, 5, 5, TimeUnit.MILLISECONDS);
        long start;
        long lastClick;
        try {
            long total = (long) setup.clapsPerSecond() * setup.seconds();
            start = System.nanoTime();
            double intervalNanos = 1e9 / setup.clapsPerSecond();
            for (long i = 0; i < total; i++) {
                long wait = start + (long) (i * intervalNanos) - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                clappers.click((int) (i % clappers.size()));
                if (i % setup.clapsPerSecond() == 0) {
                    progress.show(String.format(Locale.ROOT, "%3d/%d s  %,d claps, %,d answered in %,d increments",
                            (System.nanoTime() - start) / 1_000_000_000L, setup.seconds(), i, clappers.acked(),
                            clappers.requests()));
                }
            }
            progress.done();
            lastClick = System.nanoTime();
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (clappers.acked() + clappers.failed() < total) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException((total - clappers.acked() - clappers.failed())
                            + " claps still unanswered two minutes after the last click");
                }
                Thread.sleep(5);
            }
        } finally {
            senders.shutdownNow();
        }
        Histogram latencies = clappers.latencies();
        out.printf(Locale.ROOT, "increments answered in p50 %.0f ms, p99 %.0f ms, max %.0f ms; the last click was %.1f s"
                        + " after the first (%d s asked)%n", latencies.getValueAtPercentile(50) / 1e3,
                latencies.getValueAtPercentile(99) / 1e3, latencies.getMaxValue() / 1e3, (lastClick - start) / 1e9,
                setup.seconds());
        return new Clapped(clappers.acked(), clappers.failed(), clappers.requests(), start, lastClick,
                clappers.lastAnswerNanos());
    }

    private String call(String method, String path, String body) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(apiUrl + path))
                .header("Authorization", "Bearer " + adminKey)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(method + " " + path + " answered " + response.statusCode() + " " + response.body());
        }
        return response.body();
    }

    private static String valueOf(String entry) {
        Matcher value = Pattern.compile("\"value\":(\\d+)").matcher(entry);
        if (!value.find()) {
            throw new IllegalStateException("not a count: " + entry);
        }
        return value.group(1);
    }

    private static String keyPath(String table, String key) {
        return "/v1/tables/" + URLEncoder.encode(table, StandardCharsets.UTF_8) + "/keys/"
                + URLEncoder.encode(key, StandardCharsets.UTF_8);
    }
}
