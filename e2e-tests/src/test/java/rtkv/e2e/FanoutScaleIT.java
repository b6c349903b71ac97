package rtkv.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import rtkv.client.RtkvClient;
import rtkv.client.Status;
import rtkv.client.Subscription;
import rtkv.infra.ClusterLayout;
import rtkv.infra.LocalCluster;

/**
 * Three fanout nodes sharing the topic through their consumer group: each reads only its own
 * partitions, subscribers of 30 tables (all given the first node's address) are sent to the owners and
 * receive every change; one node is killed and its subscribers resume on the others; a node is added
 * and the partitions spread again. Nothing is lost on the way, and nobody needed a resync: the
 * {@link HistoryChecker} passes on what every subscriber saw (issue 8's fault 2: a node killed with
 * SIGKILL). Beside them, one {@link RtkvClient} holds 100 subscriptions to the same tables (whole, one
 * key, a prefix) on {@code /v1/stream}, at most one connection per node, and they converge alike.
 */
@ExtendWith(E2eCluster.class)
class FanoutScaleIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int TABLES = 30;
    private static final int SDK_SUBSCRIPTIONS = 100;
    private static final java.nio.file.Path HOME = java.nio.file.Path.of(System.getProperty("rtkv.home"));

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
        int secondPort = E2eCluster.freePort();
        int thirdPort = E2eCluster.freePort();
        int fourthPort = E2eCluster.freePort();
        List<String> started = new ArrayList<>();
        List<Subscription> subscriptions = new ArrayList<>();
        RecordedWriter writer = null;
        RtkvClient sdk = RtkvClient.builder().fanout(cluster.fanoutUrl()).apiKey(E2eCluster.adminKey()).build();
        try {
            started.add(cluster.startFanoutNode(secondPort));
            started.add(cluster.startFanoutNode(thirdPort));
            List<String> three = List.of(first, "http://127.0.0.1:" + secondPort, "http://127.0.0.1:" + thirdPort);
            await("three nodes split the partitions").atMost(Duration.ofMinutes(1))
                    .until(() -> splitExactly(three, layout.partitions()));

            // 30 tables, each subscribed through the first node, which sends each subscriber to the owner.
            List<String> tables = new ArrayList<>();
            History history = new History();
            for (int i = 0; i < TABLES; i++) {
                String table = E2eCluster.tableOnShard(i % 2);
                tables.add(table);
                History.Recorder recorder = history.subscriber("subscriber " + i, table);
                Subscription subscription = Subscription.to(cluster.fanoutUrl(), table).apiKey(E2eCluster.adminKey())
                        .httpClient(HTTP).listener(recorder).open();
                recorder.staleDroppedFrom(subscription::staleDropped);
                subscriptions.add(subscription);
            }
            List<History.Scope> scopes = new ArrayList<>();
            for (int i = 0; i < SDK_SUBSCRIPTIONS; i++) {
                String table = tables.get(i % TABLES);
                History.Scope scope = switch (i / TABLES) {
                    case 0 -> History.Scope.ALL;
                    case 1 -> History.Scope.only("k" + i % 5);
                    case 2 -> History.Scope.prefix("k" + (i + 1) % 5);
                    default -> History.Scope.only("never written");
                };
                scopes.add(scope);
                History.Recorder recorder = history.subscriber("sdk subscriber " + i + " " + scope, table, false, scope);
                Subscription subscription = E2eCluster.scoped(sdk.table(table).subscribe().listener(recorder), scope).open();
                recorder.staleDroppedFrom(subscription::staleDropped);
                subscriptions.add(subscription);
            }
            await("every subscription live").atMost(Duration.ofMinutes(1))
                    .until(() -> subscriptions.stream().allMatch(s -> s.status() == Status.LIVE));
            await("the SDK's connections: one per node").atMost(Duration.ofSeconds(30)).until(() -> sdk.connections() <= 3);
            javaScriptClientFollowsMoved(cluster, first);

            // Writes to every table all along: each key's versions go 1, 2, 3... so a gap is visible.
            writer = RecordedWriter.start(history, tables, 5, 7);
            writer.awaitMore("changes flowing", 50, Duration.ofSeconds(30));

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
            await("the SDK's connections: one per node still").atMost(Duration.ofSeconds(30))
                    .until(() -> sdk.connections() <= 3);
            writer.awaitMore("writes go on after the spread", 50, Duration.ofSeconds(30));
            writer.close();

            Map<String, Map<String, History.Versioned>> mysql = new HashMap<>();
            for (int i = 0; i < subscriptions.size(); i++) {
                String table = tables.get(i % TABLES);
                History.Scope scope = i < TABLES ? History.Scope.ALL : scopes.get(i - TABLES);
                Subscription subscription = subscriptions.get(i);
                TreeMap<String, String> rows = E2eCluster.liveRows(table);
                rows.keySet().removeIf(key -> !scope.matches(key));
                await("the view of " + table + " " + scope + " equals MySQL").atMost(Duration.ofSeconds(60))
                        .until(() -> E2eCluster.viewOf(subscription).equals(rows));
                mysql.put(table, E2eCluster.liveEntries(table));
            }
            List<History.Subscriber> seen = history.subscribers();
            for (History.Subscriber subscriber : seen) {
                // Moving between nodes is a resume each time: one snapshot, and never a resync.
                assertEquals(1, subscriber.events().stream().filter(e -> e instanceof History.Snapshot).count(),
                        subscriber.name() + ": one snapshot, then only changes; statuses " + subscriber.statuses());
                assertTrue(subscriber.events().stream().noneMatch(e -> e instanceof History.Resync),
                        subscriber.name() + " resynced; statuses " + subscriber.statuses());
            }
            HistoryChecker.assertPasses(history.writes(), seen, mysql);
        } finally {
            if (writer != null) {
                writer.close();
            }
            subscriptions.forEach(Subscription::close);
            sdk.close();
            for (String node : started) {
                cluster.stop(node);
            }
            // The other tests subscribe at the first node without following moves: it takes everything back.
            await("the first node owns every partition again").atMost(Duration.ofMinutes(1))
                    .until(() -> partitionsOrNone(first).size() == layout.partitions());
        }
    }
}
