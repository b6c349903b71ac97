package rtkv.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import rtkv.client.Change;
import rtkv.client.Entry;
import rtkv.client.Listener;
import rtkv.client.Status;
import rtkv.client.Subscription;
import rtkv.infra.ClusterLayout;
import rtkv.infra.LocalCluster;

/**
 * Three fanout nodes sharing the topic through their consumer group: each reads only its own
 * partitions, subscribers of 30 tables (all given the first node's address) are sent to the owners and
 * receive every change; one node is killed and its subscribers resume on the others; a node is added
 * and the partitions spread again. Nothing is lost on the way, and nobody needed a resync.
 */
@ExtendWith(E2eCluster.class)
class FanoutScaleIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int TABLES = 30;
    private static final java.nio.file.Path HOME = java.nio.file.Path.of(System.getProperty("rtkv.home"));

    /** Every version each key was given, in the order they came, and whether the stream was ever reset. */
    private static final class Recorder implements Listener {
        private final Map<String, List<Long>> versions = new ConcurrentHashMap<>();
        private final AtomicInteger snapshots = new AtomicInteger();
        private final ConcurrentLinkedQueue<String> resyncs = new ConcurrentLinkedQueue<>();
        private final ConcurrentLinkedQueue<String> history = new ConcurrentLinkedQueue<>();

        @Override
        public void onStatus(Status status) {
            history.add(java.time.Instant.now() + " " + status);
        }

        @Override
        public void onError(String error, String message) {
            history.add(java.time.Instant.now() + " error " + error + ": " + message);
        }

        @Override
        public void onChange(Change change) {
            versions.computeIfAbsent(change.key(), k -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(change.version());
        }

        @Override
        public void onSnapshot(SortedMap<String, Entry> table) {
            snapshots.incrementAndGet();
        }

        @Override
        public void onResync(String reason) {
            resyncs.add(reason);
        }
    }

    private static List<Integer> partitionsOf(String httpBase) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(httpBase + "/readyz")).build(),
                HttpResponse.BodyHandlers.ofString());
        List<Integer> partitions = new ArrayList<>();
        JSON.readTree(response.body()).path("partitions").forEach(p -> partitions.add(p.asInt()));
        return partitions;
    }

    private static List<Integer> partitionsOrNone(String httpBase) {
        try {
            return partitionsOf(httpBase);
        } catch (IOException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    /** The partitions the nodes own are disjoint, and together they are all of them. */
    private static boolean splitExactly(List<String> nodes, int partitions) {
        Set<Integer> union = new HashSet<>();
        int total = 0;
        for (String node : nodes) {
            List<Integer> owned = partitionsOrNone(node);
            if (owned.isEmpty()) {
                return false;
            }
            union.addAll(owned);
            total += owned.size();
        }
        return total == partitions && union.size() == partitions;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static String view(Subscription subscription) {
        TreeMap<String, String> view = new TreeMap<>();
        subscription.entries().forEach((key, entry) -> view.put(key, entry.version() + " " + Api.canonical(entry.value().toString())));
        return view.toString();
    }

    /** The JavaScript client, given the first node, subscribes to a table another node serves. */
    private static void javaScriptClientFollowsMoved(LocalCluster cluster, String first) throws Exception {
        String elsewhere = null;
        for (int i = 0; elsewhere == null; i++) {
            String table = E2eCluster.tableOnShard(i % 2);
            HttpResponse<String> node = HTTP.send(HttpRequest.newBuilder(URI.create(first + "/v1/tables/" + table + "/node"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, node.statusCode(), node.body());
            if (!JSON.readTree(node.body()).get("node").asText().equals(cluster.fanoutUrl())) {
                elsewhere = table;
            }
            assertTrue(i < 100, "every table lands on the first node");
        }
        Process node = new ProcessBuilder("node", "--experimental-websocket",
                HOME.resolve("e2e-tests/src/test/node/client-moved.mjs").toString(), cluster.apiUrl(), cluster.fanoutUrl(),
                elsewhere, E2eCluster.adminKey()).redirectErrorStream(true).start();
        String output = new String(node.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(node.waitFor(2, java.util.concurrent.TimeUnit.MINUTES), "node finished");
        assertEquals(0, node.exitValue(), output);
        assertTrue(output.contains("OK: followed moved"), output);
    }

    @Test
    void threeNodesShareThePartitionsAndSubscribersSurviveANodeKilledAndOneAdded() throws Exception {
        LocalCluster cluster = E2eCluster.cluster();
        ClusterLayout layout = cluster.layout();
        String first = "http://127.0.0.1:" + layout.fanoutPort();
        int secondPort = freePort();
        int thirdPort = freePort();
        int fourthPort = freePort();
        List<String> started = new ArrayList<>();
        List<Subscription> subscriptions = new ArrayList<>();
        AtomicBoolean writing = new AtomicBoolean(true);
        Thread writer = null;
        try {
            started.add(cluster.startFanoutNode(secondPort));
            started.add(cluster.startFanoutNode(thirdPort));
            List<String> three = List.of(first, "http://127.0.0.1:" + secondPort, "http://127.0.0.1:" + thirdPort);
            await("three nodes split the partitions").atMost(Duration.ofMinutes(1))
                    .until(() -> splitExactly(three, layout.partitions()));

            // 30 tables, each subscribed through the first node, which sends each subscriber to the owner.
            List<String> tables = new ArrayList<>();
            List<Recorder> recorders = new ArrayList<>();
            for (int i = 0; i < TABLES; i++) {
                String table = E2eCluster.tableOnShard(i % 2);
                tables.add(table);
                Recorder recorder = new Recorder();
                recorders.add(recorder);
                subscriptions.add(Subscription.to(cluster.fanoutUrl(), table).apiKey(E2eCluster.adminKey())
                        .httpClient(HTTP).listener(recorder).open());
            }
            await("every subscription live").atMost(Duration.ofMinutes(1))
                    .until(() -> subscriptions.stream().allMatch(s -> s.status() == Status.LIVE));
            javaScriptClientFollowsMoved(cluster, first);

            // Writes to every table all along: each key's versions go 1, 2, 3... so a gap is visible.
            Map<String, Long> acked = new ConcurrentHashMap<>();
            Api api = E2eCluster.api();
            writer = new Thread(() -> {
                Random random = new Random(7);
                while (writing.get()) {
                    String table = tables.get(random.nextInt(TABLES));
                    String key = "k" + random.nextInt(5);
                    Api.Answer answer = api.put(table, key, "{\"n\":" + random.nextInt(1000) + "}");
                    if (answer.status() == 200) {
                        acked.merge(table + "/" + key, answer.version(), Math::max);
                    }
                }
            }, "fanout-scale-writer");
            writer.start();
            await("changes flowing").atMost(Duration.ofSeconds(30)).until(() -> acked.size() > 50);

            cluster.kill(started.get(0));
            List<String> two = List.of(first, "http://127.0.0.1:" + thirdPort);
            await("the killed node's partitions taken over").atMost(Duration.ofMinutes(1))
                    .until(() -> splitExactly(two, layout.partitions()));
            await("every subscription live again").atMost(Duration.ofMinutes(1))
                    .until(() -> subscriptions.stream().allMatch(s -> s.status() == Status.LIVE));

            started.add(cluster.startFanoutNode(fourthPort));
            List<String> againThree = List.of(first, "http://127.0.0.1:" + thirdPort, "http://127.0.0.1:" + fourthPort);
            await("the added node took its share").atMost(Duration.ofMinutes(1))
                    .until(() -> splitExactly(againThree, layout.partitions()));
            await("every subscription live after the spread").atMost(Duration.ofMinutes(1))
                    .until(() -> subscriptions.stream().allMatch(s -> s.status() == Status.LIVE));
            long writtenBefore = acked.values().stream().mapToLong(Long::longValue).sum();
            await("writes go on after the spread").atMost(Duration.ofSeconds(30))
                    .until(() -> acked.values().stream().mapToLong(Long::longValue).sum() > writtenBefore + 50);
            writing.set(false);
            writer.join(30_000);

            List<String> gaps = new ArrayList<>();
            for (int i = 0; i < TABLES; i++) {
                String table = tables.get(i);
                Subscription subscription = subscriptions.get(i);
                TreeMap<String, String> rows = E2eCluster.liveRows(table);
                Recorder recorder = recorders.get(i);
                try {
                    await("the view of " + table + " equals MySQL").atMost(Duration.ofSeconds(60))
                            .until(() -> view(subscription).equals(rows.toString()));
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    assertEquals(rows.toString(), view(subscription), table + " (status " + subscription.status()
                            + ", statuses " + recorder.history + ", versions " + recorder.versions + ")");
                }
                assertTrue(recorder.resyncs.isEmpty(), table + " resynced: " + recorder.resyncs);
                assertEquals(1, recorder.snapshots.get(), table + ": one snapshot, then only changes");
                for (Map.Entry<String, List<Long>> key : recorder.versions.entrySet()) {
                    List<Long> seen = key.getValue();
                    for (int v = 1; v < seen.size(); v++) {
                        if (seen.get(v - 1) + 1 != seen.get(v)) {
                            gaps.add(table + "/" + key.getKey() + ": " + seen.get(v - 1) + " then " + seen.get(v)
                                    + "; statuses " + recorder.history);
                        }
                    }
                    assertEquals(acked.get(table + "/" + key.getKey()), seen.get(seen.size() - 1), table + "/" + key.getKey());
                }
            }
            assertTrue(gaps.isEmpty(), "versions skipped:\n" + String.join("\n", gaps));
        } finally {
            writing.set(false);
            if (writer != null) {
                writer.join(30_000);
            }
            subscriptions.forEach(Subscription::close);
            for (String node : started) {
                cluster.stop(node);
            }
            // The other tests subscribe at the first node without following moves: it takes everything back.
            await("the first node owns every partition again").atMost(Duration.ofMinutes(1))
                    .until(() -> partitionsOrNone(first).size() == layout.partitions());
        }
    }
}
