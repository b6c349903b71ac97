package rtkv.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import rtkv.bench.Sockets;
import rtkv.infra.LocalCluster;

/**
 * Issue 20's hole 4: a fanout node dies holding 2,000 subscribers of one table, and they all resume at
 * once on the survivor with their tokens. The survivor reads the log once for them, not once each: its
 * threads stay within a stated bound while they catch up, and every one of them gets exactly the
 * changes it missed, then the live ones.
 */
@ExtendWith(E2eCluster.class)
class CatchUpStormIT {

    private static final int SUBSCRIBERS = 2_000;
    private static final int MISSED = 50;
    /** What catch-up threads are called, as Linux shows their names (15 characters at most). */
    private static final String CATCH_UP = "fanout-catch-up";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** One raw subscriber: remembers its token and checks every version it is sent only grows. */
    private static final class Reader extends Sockets.Socket {
        private final Map<String, Long> versions = new HashMap<>();
        private final List<String> violations = new ArrayList<>();
        private volatile String token;
        private volatile String first;
        private volatile long counter;
        private volatile int changes;

        @Override
        protected synchronized void onFrame(String text, long nanos) {
            JsonNode frame = parse(text);
            String type = frame.get("type").asText();
            if (first == null && !type.equals("heartbeat") && !type.equals("presence")) {
                first = type;
            }
            List<JsonNode> entries = new ArrayList<>();
            if (type.equals("snapshot")) {
                frame.get("entries").forEach(entries::add);
            } else if (type.equals("change")) {
                entries.add(frame);
                changes++;
            } else if (type.equals("resync")) {
                violations.add("resync: " + frame.get("reason").asText());
            }
            for (JsonNode entry : entries) {
                long version = entry.get("version").asLong();
                Long before = versions.put(entry.get("key").asText(), version);
                if (before != null && version <= before) {
                    violations.add(entry.get("key").asText() + "@" + version + " after @" + before);
                }
                if (entry.get("key").asText().equals("n")) {
                    counter = entry.get("value").asLong();
                }
            }
            if (frame.hasNonNull("token")) {
                token = frame.get("token").asText();
            }
        }

        synchronized List<String> violations() {
            return List.copyOf(violations);
        }
    }

    private static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void twoThousandSubscribersOfADeadNodeResumeAtOnceOnTheSurvivorWithBoundedThreads() throws Exception {
        LocalCluster cluster = E2eCluster.cluster();
        String first = cluster.fanoutUrl();
        int port = E2eCluster.freePort();
        String second = "ws://127.0.0.1:" + port;
        String added = cluster.startFanoutNode(port);
        Api api = E2eCluster.api();
        try {
            String table = tableServedBy(second);
            assertEquals(200, api.put("rtkv.settings", table, "{\"maxSubscribers\": " + (SUBSCRIBERS + 10) + "}").status());
            assertEquals(200, api.put(table, "n", "0").status());
            List<Reader> readers = new ArrayList<>();
            try (Sockets sockets = new Sockets(second, E2eCluster.adminKey())) {
                for (int i = 0; i < SUBSCRIBERS; i++) {
                    Reader reader = new Reader();
                    readers.add(reader);
                    sockets.subscribe(reader, table, "");
                }
                // The raised cap reaches the node through the change stream, after the PUT was answered:
                // a reader refused under the default cap meanwhile subscribes again.
                await("2,000 subscribed to the node that dies").atMost(Duration.ofMinutes(2)).until(() -> {
                    for (int i = 0; i < readers.size(); i++) {
                        Reader reader = readers.get(i);
                        if (reader.token == null && reader.closed() != null && reader.closed().startsWith("4429 ")) {
                            Reader again = new Reader();
                            readers.set(i, again);
                            sockets.subscribe(again, table, "");
                        }
                    }
                    return readers.stream().allMatch(r -> r.token != null || r.closed() != null);
                });
                assertEquals(List.of(), readers.stream().filter(r -> r.token == null).map(Sockets.Socket::closed).toList());
                cluster.kill(added);
            }
            for (int i = 1; i <= MISSED; i++) {
                assertEquals(200, api.put(table, "n", Integer.toString(i)).status());
            }
            await("the survivor owns the table").atMost(Duration.ofMinutes(1)).until(() -> servedBy(first, table));

            long pid = cluster.process("fanout").orElseThrow().pid();
            int baseline = threads(pid, null);
            AtomicInteger peak = new AtomicInteger(baseline);
            AtomicInteger catchUpPeak = new AtomicInteger();
            ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
            sampler.scheduleAtFixedRate(() -> {
                peak.accumulateAndGet(threads(pid, null), Math::max);
                catchUpPeak.accumulateAndGet(threads(pid, CATCH_UP), Math::max);
            }, 0, 20, TimeUnit.MILLISECONDS);
            List<Reader> resumed = new ArrayList<>();
            long started = System.nanoTime();
            try (Sockets sockets = new Sockets(first, E2eCluster.adminKey(), SUBSCRIBERS)) {
                for (Reader reader : readers) {
                    Reader again = new Reader();
                    resumed.add(again);
                    sockets.subscribe(again, table, "resume=" + URLEncoder.encode(reader.token, StandardCharsets.UTF_8));
                }
                await("every one caught up").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(50))
                        .until(() -> resumed.stream().allMatch(r -> r.counter == MISSED || r.closed() != null));
                long convergedMillis = (System.nanoTime() - started) / 1_000_000;
                assertEquals(200, api.put(table, "n", Integer.toString(MISSED + 1)).status());
                await("and then live").atMost(Duration.ofMinutes(1))
                        .until(() -> resumed.stream().allMatch(r -> r.counter == MISSED + 1 || r.closed() != null));
                sampler.shutdownNow();
                System.out.printf("CatchUpStormIT: %d resumed at once, all caught up %d ms after the first resume;"
                        + " the survivor's threads went from %d to at most %d, of which at most %d catching up%n",
                        SUBSCRIBERS, convergedMillis, baseline, peak.get(), catchUpPeak.get());

                Map<String, Long> closed = resumed.stream().filter(r -> r.closed() != null)
                        .collect(Collectors.groupingBy(Sockets.Socket::closed, Collectors.counting()));
                assertEquals(Map.of(), closed, "none was closed");
                assertEquals(List.of(), resumed.stream().filter(r -> !"resumed".equals(r.first)).map(r -> r.first).distinct()
                        .toList(), "every one resumed, none was sent a snapshot");
                assertEquals(List.of(), resumed.stream().flatMap(r -> r.violations().stream()).distinct().toList());
                assertEquals(List.of(), resumed.stream().filter(r -> r.changes != MISSED + 1).map(r -> r.changes)
                        .distinct().toList(), "each got the changes it missed and the live one, once");
                // One reader, so one thread and one consumer, per partition with subscribers catching up.
                int partitions = cluster.layout().partitions();
                assertTrue(catchUpPeak.get() >= 1 && catchUpPeak.get() <= partitions, catchUpPeak.get()
                        + " threads caught the 2,000 up, for " + partitions + " partitions");
            } finally {
                sampler.shutdownNow();
            }
        } finally {
            cluster.stop(added);
            await("the first node owns every partition again").atMost(Duration.ofMinutes(1))
                    .until(() -> ownsAll(first, cluster.layout().partitions()));
        }
    }

    /** A new table whose partition the node at {@code node} owns. */
    private static String tableServedBy(String node) throws Exception {
        for (int i = 0; i < 200; i++) {
            String table = E2eCluster.tableOnShard(i % 2);
            if (servedBy(node, table)) {
                return table;
            }
        }
        throw new AssertionError("no table lands on " + node);
    }

    private static boolean servedBy(String node, String table) throws Exception {
        String http = node.replaceFirst("^ws", "http");
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create(http + "/v1/tables/" + table + "/node"))
                .build(), HttpResponse.BodyHandlers.ofString());
        return answer.statusCode() == 200 && parse(answer.body()).get("node").asText().equals(node);
    }

    private static boolean ownsAll(String node, int partitions) {
        try {
            HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create(node.replaceFirst("^ws", "http")
                    + "/readyz")).build(), HttpResponse.BodyHandlers.ofString());
            return parse(answer.body()).path("partitions").size() == partitions;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The threads of process {@code pid} called {@code name}, or all of them; from /proc. */
    private static int threads(long pid, String name) {
        File[] tasks = new File("/proc/" + pid + "/task").listFiles();
        int count = 0;
        for (File task : tasks == null ? new File[0] : tasks) {
            try {
                if (name == null || Files.readString(task.toPath().resolve("comm")).strip().equals(name)) {
                    count++;
                }
            } catch (IOException e) {
                // the thread ended meanwhile
            }
        }
        return count;
    }
}
