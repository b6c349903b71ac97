package rtkv.e2e;

import static org.awaitility.Awaitility.await;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The steady writer of a fault test: puts of small random values to keys k0 ... k(keys - 1) of its
 * tables, back to back on one thread, each acknowledged one recorded in a {@link History}. It goes on
 * through failed and unanswered requests; an {@link Observer} sees them.
 */
final class RecordedWriter implements AutoCloseable {

    /** Sees every request's outcome and how long it took. */
    interface Observer {
        default void answered(Api.Answer answer, Duration took) {
        }

        default void unanswered(UncheckedIOException error, Duration took) {
        }
    }

    private final AtomicBoolean writing = new AtomicBoolean(true);
    private final AtomicLong acknowledged = new AtomicLong();
    private final Thread thread;

    private RecordedWriter(History history, List<String> tables, int keys, long seed, Observer observer) {
        Api api = E2eCluster.api();
        thread = new Thread(() -> {
            Random random = new Random(seed);
            while (writing.get()) {
                String table = tables.get(random.nextInt(tables.size()));
                String key = "k" + random.nextInt(keys);
                String value = "{\"n\":" + random.nextInt(1000) + "}";
                long started = System.nanoTime();
                try {
                    Api.Answer answer = api.put(table, key, value);
                    if (answer.status() == 200) {
                        history.put(table, key, answer.version(), value);
                        acknowledged.incrementAndGet();
                    }
                    observer.answered(answer, Duration.ofNanos(System.nanoTime() - started));
                } catch (UncheckedIOException e) {
                    observer.unanswered(e, Duration.ofNanos(System.nanoTime() - started));
                }
            }
        }, "recorded-writer");
    }

    static RecordedWriter start(History history, List<String> tables, int keys, long seed) {
        return start(history, tables, keys, seed, new Observer() { });
    }

    static RecordedWriter start(History history, List<String> tables, int keys, long seed, Observer observer) {
        RecordedWriter writer = new RecordedWriter(history, tables, keys, seed, observer);
        writer.thread.start();
        return writer;
    }

    long acknowledged() {
        return acknowledged.get();
    }

    /** Waits until {@code count} more writes than now have been acknowledged. */
    void awaitMore(String alias, long count, Duration atMost) {
        long from = acknowledged.get();
        await(alias).atMost(atMost).until(() -> acknowledged.get() >= from + count);
    }

    /** Stops once the request in flight is answered; idempotent. */
    @Override
    public void close() throws InterruptedException {
        writing.set(false);
        thread.join(60_000);
    }
}
