package rtkv.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * The readers who clap, sending as the article page does: an increment with everything clicked since
 * the last, at most one every 200 ms and one at a time. A click after a quiet moment leaves at once; the
 * clicks of a burst go together, so under load a batch grows instead of requests piling up on the one
 * row every clap changes. Unlike the page, a failed increment is counted as failed, not sent again:
 * the run reports it instead of hiding it.
 */
final class Clappers {

    private static final long SEND_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final HttpClient http;
    private final URI incr;
    private final String adminKey;
    private final long[] unsent;
    private final boolean[] sending;
    private final long[] lastSent;
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong lastAnswer = new AtomicLong();
    private final Histogram latencies = new Histogram(3);

    /** @param incr the counter's {@code POST .../incr} address */
    Clappers(int clappers, HttpClient http, URI incr, String adminKey) {
        this.http = http;
        this.incr = incr;
        this.adminKey = adminKey;
        this.unsent = new long[clappers];
        this.sending = new boolean[clappers];
        this.lastSent = new long[clappers];
        Arrays.fill(lastSent, System.nanoTime() - SEND_EVERY_NANOS);
    }

    int size() {
        return unsent.length;
    }

    /** A click of clapper {@code c}, sent at once when it is the clapper's turn. */
    void click(int c) {
        synchronized (this) {
            unsent[c]++;
        }
        sendIfDue(c, System.nanoTime());
    }

    /** Sends what the clappers clicked while they waited for their turn; called every few milliseconds. */
    void sendDue() {
        long now = System.nanoTime();
        for (int c = 0; c < unsent.length; c++) {
            sendIfDue(c, now);
        }
    }

    private void sendIfDue(int c, long now) {
        long by;
        synchronized (this) {
            if (sending[c] || unsent[c] == 0 || now - lastSent[c] < SEND_EVERY_NANOS) {
                return;
            }
            by = unsent[c];
            unsent[c] = 0;
            sending[c] = true;
            lastSent[c] = now;
        }
        requests.incrementAndGet();
        http.sendAsync(HttpRequest.newBuilder(incr)
                        .timeout(Duration.ofSeconds(30))
                        .header("Authorization", "Bearer " + adminKey)
                        .POST(HttpRequest.BodyPublishers.ofString("{\"by\":" + by + "}"))
                        .build(), HttpResponse.BodyHandlers.discarding())
                .whenComplete((response, error) -> {
                    (error == null && response.statusCode() == 200 ? acked : failed).addAndGet(by);
                    synchronized (latencies) {
                        latencies.recordValue(Math.max(1, (System.nanoTime() - now) / 1_000));
                    }
                    lastAnswer.accumulateAndGet(System.nanoTime(), Math::max);
                    synchronized (this) {
                        sending[c] = false;
                    }
                    sendIfDue(c, System.nanoTime());
                });
    }

    long acked() {
        return acked.get();
    }

    long failed() {
        return failed.get();
    }

    long requests() {
        return requests.get();
    }

    long lastAnswerNanos() {
        return lastAnswer.get();
    }

    /** Each increment's time to its answer, in microseconds; a copy. */
    Histogram latencies() {
        synchronized (latencies) {
            return latencies.copy();
        }
    }
}
