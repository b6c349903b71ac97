package rtkv.fanout;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static rtkv.fanout.FanoutFixture.ADMIN_KEY;
import static rtkv.fanout.FanoutFixture.HTTP;
import static rtkv.fanout.FanoutFixture.ofType;
import static rtkv.fanout.FanoutFixture.parsed;
import static rtkv.fanout.FanoutFixture.publish;
import static rtkv.fanout.FanoutFixture.startServer;
import static rtkv.fanout.FanoutFixture.table;
import static rtkv.fanout.FanoutFixture.tableOn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import rtkv.infra.TableSubscription;

/**
 * Two nodes in one consumer group: each reads its own partitions, a subscriber that reaches the wrong
 * one is sent to the owner, and a node that leaves hands its partitions and subscribers over.
 */
@ExtendWith(FanoutFixture.class)
class GroupIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static String url(FanoutServer node) {
        return "ws://127.0.0.1:" + node.port();
    }

    private static JsonNode get(FanoutServer node, String path) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + path))
                .build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }

    @Test
    void nodesSplitThePartitionsRouteSubscribersAndHandOverWhenOneLeaves() throws Exception {
        Map<String, String> group = Map.of("RTKV_FANOUT_GROUP", "group-it-" + UUID.randomUUID());
        try (FanoutServer first = startServer(group)) {
            await("the first node owns every partition").atMost(Duration.ofSeconds(30))
                    .until(() -> first.partitions().size() == 4);
            // Changes flow to subscribers of the first node while the second joins: those whose partition
            // stays must get every one (a rebalance that gives a node nothing new must not move its position).
            List<String> tables = new ArrayList<>();
            List<TableSubscription> staying = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                tables.add(table());
                staying.add(FanoutFixture.subscribedAt(url(first), tables.get(i)));
            }
            AtomicBoolean publishing = new AtomicBoolean(true);
            AtomicLong published = new AtomicLong();
            Thread publisher = new Thread(() -> {
                try {
                    for (long version = 1; publishing.get(); version++) {
                        for (String t : tables) {
                            publish(t, "k", Long.toString(version), version);
                        }
                        published.set(version);
                        Thread.sleep(20);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, "group-it-publisher");
            publisher.start();
            FanoutServer second = startServer(group);
            try {
                await("the partitions split between the two").atMost(Duration.ofSeconds(60))
                        .until(() -> !first.partitions().isEmpty() && !second.partitions().isEmpty()
                                && first.partitions().size() + second.partitions().size() == 4);
                Thread.sleep(500);
                publishing.set(false);
                publisher.join();
                long last = published.get();
                for (int i = 0; i < tables.size(); i++) {
                    TableSubscription subscription = staying.get(i);
                    if (!first.partitions().contains(first.partitionOf(tables.get(i)))) {
                        subscription.close();
                        continue;
                    }
                    await("every change on a partition that stayed").atMost(Duration.ofSeconds(30))
                            .until(() -> ofType(subscription, "change").size() >= last);
                    List<Long> versions = ofType(subscription, "change").stream().map(c -> c.get("version").asLong()).toList();
                    assertEquals(LongStream.rangeClosed(1, last).boxed().toList(), versions, tables.get(i));
                    subscription.close();
                }
                Set<Integer> all = new HashSet<>(first.partitions());
                all.addAll(second.partitions());
                assertEquals(Set.of(0, 1, 2, 3), all, "each partition has exactly one owner");
                List<Integer> readyzPartitions = new ArrayList<>();
                get(second, "/readyz").get("partitions").forEach(p -> readyzPartitions.add(p.asInt()));
                assertEquals(second.partitions(), readyzPartitions);

                // The wrong node sends a subscriber to the owner, and names it on the routing endpoint.
                String table = tableOn(second);
                await("the directory knows the owner").atMost(Duration.ofSeconds(30))
                        .until(() -> url(second).equals(get(first, "/v1/tables/" + table + "/node").path("node").asText()));
                try (TableSubscription misrouted = TableSubscription.open(HTTP, url(first), table, ADMIN_KEY, null,
                        TableSubscription.HEARTBEAT, frame -> { })) {
                    assertEquals("4308", misrouted.closed().get(30, TimeUnit.SECONDS).split(" ")[0]);
                    JsonNode moved = ofType(misrouted, "moved").get(0);
                    assertEquals(url(second), moved.get("node").asText());
                }

                // At the owner: live changes; then the owner leaves and its subscriber is told to move.
                TableSubscription subscriber = TableSubscription.open(HTTP, url(second), table, ADMIN_KEY, null,
                        TableSubscription.HEARTBEAT, frame -> { });
                await("the snapshot").atMost(Duration.ofSeconds(30)).until(() -> parsed(subscriber).stream()
                        .anyMatch(f -> f.get("type").asText().equals("snapshot") && f.get("last").asBoolean()));
                publish(table, "k", "1", 1);
                await("the change").atMost(Duration.ofSeconds(30)).until(() -> ofType(subscriber, "change").size() == 1);
                String token = ofType(subscriber, "change").get(0).get("token").asText();
                second.close();
                assertEquals("4308", subscriber.closed().get(30, TimeUnit.SECONDS).split(" ")[0]);
                assertTrue(ofType(subscriber, "moved").get(0).get("node").isNull(), "moved to wherever the client started");

                // The first node takes every partition back, and the subscriber resumes there without a gap.
                await("the first node owns every partition again").atMost(Duration.ofSeconds(60))
                        .until(() -> first.partitions().size() == 4);
                publish(table, "k", "2", 2);
                try (TableSubscription resumed = TableSubscription.open(HTTP, url(first), table, ADMIN_KEY, token,
                        TableSubscription.HEARTBEAT, frame -> { })) {
                    await("the change made while it moved").atMost(Duration.ofSeconds(30))
                            .until(() -> ofType(resumed, "change").size() == 1);
                    assertEquals(1, ofType(resumed, "resumed").size());
                    assertEquals(2, ofType(resumed, "change").get(0).get("version").asLong());
                }
            } finally {
                second.close();
            }
        }
    }
}
