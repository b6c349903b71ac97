package rtkv.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 8's fault 4: a MariaDB shard killed with SIGKILL while it is written to, then restarted.
 * Writes during the outage are answered 503 within seconds, with a message saying nothing was
 * written (or, for the write in flight at the kill, that it may or may not have been); every write acknowledged before the kill is in MySQL and streamed; the relay resumes from
 * its binlog position; the subscribers' history passes the {@link HistoryChecker}.
 */
@ExtendWith(E2eCluster.class)
class ShardCrashIT {

    /** How long an answer may take during the outage: api-service waits 2 s for a connection. */
    private static final Duration NOT_A_HANG = Duration.ofSeconds(10);

    @Test
    void writesDuringAShardOutageAre503AndNothingAcknowledgedIsLost() throws Exception {
        String table = E2eCluster.tableOnShard(0);
        String part = "mariadb-0";
        History history = new History();
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong acknowledged = new AtomicLong();
        List<String> outageAnswers = Collections.synchronizedList(new ArrayList<>());
        List<String> slowAnswers = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean down = new AtomicBoolean();
        Thread writer = null;
        try (RecordedSubscribers subscribers = RecordedSubscribers.open(history, table, 2)) {
            Api api = E2eCluster.api();
            writer = new Thread(() -> {
                Random random = new Random(4);
                while (writing.get()) {
                    String key = "k" + random.nextInt(8);
                    String value = "{\"n\":" + random.nextInt(1000) + "}";
                    long started = System.nanoTime();
                    try {
                        Api.Answer answer = api.put(table, key, value);
                        Duration took = Duration.ofNanos(System.nanoTime() - started);
                        if (took.compareTo(NOT_A_HANG) > 0) {
                            slowAnswers.add(answer.status() + " after " + took);
                        }
                        if (answer.status() == 200) {
                            history.put(table, key, answer.version(), value);
                            acknowledged.incrementAndGet();
                        } else if (down.get()) {
                            outageAnswers.add(answer.status() + " " + answer.body().path("message").asText());
                        }
                    } catch (UncheckedIOException e) {
                        slowAnswers.add("no answer: " + e.getCause());
                    }
                }
            }, "shard-crash-writer");
            writer.start();

            await("writes acknowledged").atMost(Duration.ofSeconds(30)).until(() -> acknowledged.get() > 30);
            down.set(true);
            E2eCluster.cluster().kill(part);
            await("writes refused while the shard is down").atMost(Duration.ofSeconds(30))
                    .until(() -> outageAnswers.size() >= 3);
            E2eCluster.cluster().restart(part);
            down.set(false);
            long before = acknowledged.get();
            await("writes acknowledged after the restart").atMost(Duration.ofMinutes(1))
                    .until(() -> acknowledged.get() > before + 30);
            writing.set(false);
            writer.join(60_000);

            assertTrue(slowAnswers.isEmpty(), "answers that took longer than " + NOT_A_HANG + ": " + slowAnswers);
            // A write in flight at the kill is told it may or may not have been applied; later ones that
            // nothing was written.
            for (String answer : outageAnswers) {
                assertTrue(answer.startsWith("503 ") && answer.contains("shard 0"), "an answer during the outage: " + answer);
            }
            assertTrue(outageAnswers.stream().anyMatch(a -> a.contains("nothing was written")), "answers: " + outageAnswers);
            subscribers.assertConvergedAndChecked();
        } finally {
            writing.set(false);
            if (writer != null) {
                writer.join(60_000);
            }
            if (!E2eCluster.cluster().runningParts().contains(part)) {
                E2eCluster.cluster().restart(part);
            }
        }
    }

}
