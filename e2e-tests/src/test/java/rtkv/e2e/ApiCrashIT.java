package rtkv.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 8's fault 7: api-service killed with SIGKILL while batches are being written. A batch whose
 * answer was lost is in MySQL whole or not at all; the client sends it again with its
 * Idempotency-Key until answered, and no batch is applied twice. The subscribers' history passes the
 * {@link HistoryChecker}.
 */
@ExtendWith(E2eCluster.class)
class ApiCrashIT {

    private static final int OPS = 400;
    /** Kills of api-service until one lands while a batch is in flight. */
    private static final int MAX_KILLS = 5;

    /**
     * A batch of puts: key "last" (every batch writes it, so its versions form a stream the checker can
     * test), then keys no other batch writes, b{n}-0 ... b{n}-399, each with value {"batch":n,"i":i}.
     */
    private static String batch(int n) {
        StringBuilder body = new StringBuilder("{\"ops\":[{\"op\":\"put\",\"key\":\"last\",\"value\":" + n + "}");
        for (int i = 0; i < OPS; i++) {
            body.append(",{\"op\":\"put\",\"key\":\"b").append(n).append('-').append(i)
                    .append("\",\"value\":").append(value(n, i)).append('}');
        }
        return body.append("]}").toString();
    }

    private static String value(int n, int i) {
        return "{\"batch\":" + n + ",\"i\":" + i + "}";
    }

    /** How many rows of batch {@code n} MySQL holds. */
    private static int rowsOfBatch(String table, int n) {
        try (Connection c = E2eCluster.shardOf(table);
             PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM kv WHERE table_id = ? AND k LIKE ?")) {
            s.setString(1, table);
            s.setString(2, "b" + n + "-%");
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("counting the rows of batch " + n, e);
        }
    }

    @Test
    void aBatchIsWholeOrAbsentWhenApiServiceIsKilledAndItsRetryIsAppliedOnce() throws Exception {
        String table = E2eCluster.tableOnShard(0);
        History history = new History();
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicBoolean inFlight = new AtomicBoolean();
        AtomicInteger sent = new AtomicInteger();
        Map<Integer, Boolean> acknowledged = new ConcurrentHashMap<>();
        Map<Integer, Integer> afterLoss = new ConcurrentHashMap<>();
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger refused = new AtomicInteger();
        Thread writer = null;
        try (RecordedSubscribers subscribers = RecordedSubscribers.open(history, table, 2)) {
            Api api = E2eCluster.api();
            writer = new Thread(() -> {
                while (writing.get()) {
                    int n = sent.getAndIncrement();
                    // Sent until answered, with the same Idempotency-Key, as a client should retry a write.
                    boolean answered = false;
                    while (!answered) {
                        inFlight.set(true);
                        try {
                            Api.Answer answer = api.call("POST", "/v1/tables/" + table + "/batch", batch(n),
                                    "Idempotency-Key", "batch-" + n);
                            answered = true;
                            if (answer.status() == 200) {
                                JsonNode results = answer.body().get("results");
                                history.put(table, "last", results.get(0).get("version").asLong(), Integer.toString(n));
                                for (int i = 0; i < OPS; i++) {
                                    history.put(table, "b" + n + "-" + i, results.get(i + 1).get("version").asLong(),
                                            value(n, i));
                                }
                                acknowledged.put(n, true);
                            } else {
                                failures.add("batch " + n + ": " + answer.status() + " " + answer.body());
                            }
                        } catch (UncheckedIOException e) {
                            if (e.getCause() instanceof ConnectException) {
                                refused.incrementAndGet();
                                backOff();
                            } else {
                                failures.add("batch " + n + ": answer lost: " + e.getCause());
                                afterLoss.put(n, rowsOfBatch(table, n));
                            }
                        } finally {
                            inFlight.set(false);
                        }
                    }
                }
            }, "batch-writer");
            writer.start();

            await("batches acknowledged").atMost(Duration.ofMinutes(1)).until(() -> acknowledged.size() >= 3);
            // The writer is seen with a batch in flight, but the kill lands a moment later: on a busy machine
            // that moment can fall between two batches, and the next one is only refused. Then again.
            for (int kill = 1; kill <= MAX_KILLS && !anAnswerLost(failures); kill++) {
                int refusedBefore = refused.get();
                await("a batch in flight").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(1))
                        .until(inFlight::get);
                E2eCluster.cluster().kill("api");
                await("api-service gone").atMost(Duration.ofSeconds(30)).until(() -> refused.get() > refusedBefore);
                E2eCluster.cluster().restart("api");
                int after = acknowledged.size();
                await("batches acknowledged again").atMost(Duration.ofMinutes(1)).until(() -> acknowledged.size() >= after + 3);
            }
            writing.set(false);
            writer.join(60_000);

            // A refused connection means api-service was already gone; any other failure is an answer lost.
            assertTrue(anAnswerLost(failures),
                    "one of " + MAX_KILLS + " kills hit a batch in flight: " + failures);
            afterLoss.forEach((n, rows) -> assertTrue(rows == 0 || rows == OPS,
                    "batch " + n + " was partly written when its answer was lost: " + rows + " of " + OPS + " rows"));
            // Each batch was retried until answered, and none was applied twice: every key written once,
            // and "last" given one version per batch.
            assertEquals(sent.get(), acknowledged.size(), "every batch answered 200 in the end; failures " + failures);
            for (int n = 0; n < sent.get(); n++) {
                assertEquals(OPS, rowsOfBatch(table, n), "batch " + n);
            }
            TreeMap<String, String> rows = E2eCluster.liveRows(table);
            assertEquals(sent.get(), Long.parseLong(rows.get("last").split(" ")[0]), "versions of \"last\"");
            assertTrue(rows.entrySet().stream().filter(e -> e.getKey().startsWith("b")).allMatch(e -> e.getValue().startsWith("1 ")),
                    "a batch key written twice");
            subscribers.assertConvergedAndChecked();
        } finally {
            writing.set(false);
            if (writer != null) {
                writer.join(60_000);
            }
            if (!E2eCluster.cluster().runningParts().contains("api")) {
                E2eCluster.cluster().restart("api");
            }
        }
    }

    /** A client's pause before trying a server that refused it again. */
    private static void backOff() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether a batch's answer was lost; the writer may still be adding to {@code failures}, hence the lock. */
    private static boolean anAnswerLost(List<String> failures) {
        synchronized (failures) {
            return failures.stream().anyMatch(f -> f.contains("answer lost"));
        }
    }
}
