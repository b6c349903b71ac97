package rtkv.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 8's fault 4: a MariaDB shard killed with SIGKILL while it is written to, then restarted.
 * Writes during the outage are answered 503 within seconds, with a message saying nothing was
 * written (or, for the write in flight at the kill, that it may or may not have been); every write
 * acknowledged before the kill is in MySQL and streamed; the relay resumes from its binlog position;
 * the subscribers' history passes the {@link HistoryChecker}.
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
        List<String> outageAnswers = Collections.synchronizedList(new ArrayList<>());
        List<String> slowAnswers = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean down = new AtomicBoolean();
        RecordedWriter.Observer observer = new RecordedWriter.Observer() {
            @Override
            public void answered(Api.Answer answer, Duration took) {
                if (took.compareTo(NOT_A_HANG) > 0) {
                    slowAnswers.add(answer.status() + " after " + took);
                }
                if (answer.status() != 200 && down.get()) {
                    outageAnswers.add(answer.status() + " " + answer.body().path("message").asText());
                }
            }

            @Override
            public void unanswered(UncheckedIOException error, Duration took) {
                slowAnswers.add("no answer after " + took + ": " + error.getCause());
            }
        };
        try (RecordedSubscribers subscribers = RecordedSubscribers.open(history, table, 2)) {
            try (RecordedWriter writer = RecordedWriter.start(history, List.of(table), 8, 4, observer)) {
                writer.awaitMore("writes acknowledged", 30, Duration.ofSeconds(30));
                down.set(true);
                E2eCluster.cluster().kill(part);
                await("writes refused while the shard is down").atMost(Duration.ofSeconds(30))
                        .until(() -> outageAnswers.size() >= 3);
                E2eCluster.cluster().restart(part);
                down.set(false);
                writer.awaitMore("writes acknowledged after the restart", 30, Duration.ofMinutes(1));
            }

            assertTrue(slowAnswers.isEmpty(), "answers that took longer than " + NOT_A_HANG + ": " + slowAnswers);
            // A write in flight at the kill is told it may or may not have been applied; later ones that
            // nothing was written.
            for (String answer : outageAnswers) {
                assertTrue(answer.startsWith("503 ") && answer.contains("shard 0"), "an answer during the outage: " + answer);
            }
            assertTrue(outageAnswers.stream().anyMatch(a -> a.contains("nothing was written")), "answers: " + outageAnswers);
            subscribers.assertConvergedAndChecked();
        } finally {
            if (!E2eCluster.cluster().runningParts().contains(part)) {
                E2eCluster.cluster().restart(part);
            }
        }
    }
}
