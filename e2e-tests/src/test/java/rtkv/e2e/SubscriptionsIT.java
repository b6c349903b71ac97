package rtkv.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import rtkv.client.Change;
import rtkv.client.Entry;
import rtkv.client.Listener;
import rtkv.client.Subscription;
import rtkv.infra.TableSubscription;

/** Snapshot then stream, resume, caps and slow readers, through the real cluster and the clients. */
@ExtendWith(E2eCluster.class)
class SubscriptionsIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static String fanout() {
        return E2eCluster.cluster().fanoutUrl();
    }

    private static List<JsonNode> frames(TableSubscription subscription) {
        return ReceivedFrames.of(subscription);
    }

    private static List<JsonNode> ofType(TableSubscription subscription, String type) {
        return ReceivedFrames.ofType(subscription, type);
    }

    private static List<String> changes(TableSubscription subscription) {
        return ofType(subscription, "change").stream()
                .map(c -> c.get("key").asText() + ":" + c.get("op").asText() + ":" + c.get("version").asLong()).toList();
    }

    private static TableSubscription raw(String table, String resume) {
        TableSubscription subscription = TableSubscription.open(HTTP, fanout(), table, E2eCluster.adminKey(), resume, TableSubscription.HEARTBEAT,
                frame -> { });
        await("subscribed to " + table).atMost(Duration.ofSeconds(30)).until(() -> frames(subscription).stream()
                .anyMatch(f -> f.get("type").asText().equals("resumed")
                        || f.get("type").asText().equals("snapshot") && f.get("last").asBoolean()));
        return subscription;
    }


    /** A new subscriber of {@code table}, tried until one is admitted: a changed cap reaches the node through the stream. */
    private static TableSubscription admittedOnceTheCapAllows(String table, String alias) {
        TableSubscription[] admitted = new TableSubscription[1];
        await(alias).atMost(Duration.ofSeconds(30)).until(() -> {
            TableSubscription attempt = TableSubscription.open(HTTP, fanout(), table, E2eCluster.adminKey(), null,
                    TableSubscription.HEARTBEAT, frame -> { });
            await().atMost(Duration.ofSeconds(10)).until(() -> !attempt.frames().isEmpty());
            if (frames(attempt).get(0).get("type").asText().equals("snapshot")) {
                admitted[0] = attempt;
                return true;
            }
            attempt.close();
            return false;
        });
        return admitted[0];
    }

    /** Records every version a subscriber was given per key, to check none ever goes down. */
    private static final class VersionWatch implements Listener {
        private final Map<String, Long> seen = new java.util.concurrent.ConcurrentHashMap<>();
        private final ConcurrentLinkedQueue<String> backwards = new ConcurrentLinkedQueue<>();

        @Override
        public void onChange(Change change) {
            Long before = seen.put(change.key(), change.version());
            if (before != null && change.version() <= before) {
                backwards.add(change.key() + " " + before + " -> " + change.version());
            }
        }

        @Override
        public void onSnapshot(java.util.SortedMap<String, Entry> table) {
            table.forEach((key, entry) -> {
                Long before = seen.put(key, entry.version());
                if (before != null && entry.version() < before) {
                    backwards.add(key + " " + before + " -> " + entry.version() + " (snapshot)");
                }
            });
        }
    }

    @Test
    void subscribersJoiningAndResumingWhileWritesRunEndEqualToMySql() throws Exception {
        String table = E2eCluster.tableOnShard(0);
        Api api = E2eCluster.api();
        Random random = new Random(4);
        long end = System.currentTimeMillis() + 20_000;
        ExecutorService writers = Executors.newFixedThreadPool(8);
        List<Future<?>> writing = new ArrayList<>();
        for (int w = 0; w < 8; w++) {
            long seed = w;
            writing.add(writers.submit(() -> {
                Random r = new Random(seed);
                while (System.currentTimeMillis() < end) {
                    String key = String.format("k%03d", r.nextInt(200));
                    int dice = r.nextInt(100);
                    if (dice < 45) {
                        api.put(table, key, "{\"n\":" + r.nextInt(1000) + ",\"w\":" + seed + "}");
                    } else if (dice < 60) {
                        api.delete(table, key);
                    } else if (dice < 85) {
                        api.call("POST", Api.keyPath(table, "c" + key) + "/incr", "{\"by\":" + (1 + r.nextInt(5)) + "}");
                    } else {
                        api.call("PUT", Api.keyPath(table, key) + "/ttl", "{\"ttl\":" + (1 + r.nextInt(3)) + "}");
                    }
                }
                return null;
            }));
        }
        // Twenty subscribers join at random moments of the first 15 s; five of them lose their
        // connection three times each, at random moments too, and resume.
        List<Subscription> subscribers = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<VersionWatch> watches = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.ScheduledExecutorService moments = Executors.newSingleThreadScheduledExecutor();
        try {
            for (int i = 0; i < 20; i++) {
                boolean flaky = i < 5;
                moments.schedule(() -> {
                    VersionWatch watch = new VersionWatch();
                    Subscription subscription = Subscription.to(fanout(), table).apiKey(E2eCluster.adminKey()).httpClient(HTTP).listener(watch).open();
                    watches.add(watch);
                    subscribers.add(subscription);
                    if (flaky) {
                        for (int k = 0; k < 3; k++) {
                            moments.schedule(subscription::reconnect, 500 + random.nextInt(4_000), TimeUnit.MILLISECONDS);
                        }
                    }
                }, random.nextInt(15_000), TimeUnit.MILLISECONDS);
            }
            for (Future<?> w : writing) {
                w.get(2, TimeUnit.MINUTES);
            }
            moments.shutdown();
            assertTrue(moments.awaitTermination(30, TimeUnit.SECONDS));
            assertEquals(20, subscribers.size());
            await("every subscriber equals MySQL").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        TreeMap<String, String> rows = E2eCluster.liveRows(table);
                        return subscribers.stream().allMatch(s -> E2eCluster.viewOf(s).equals(rows));
                    });
            for (int i = 0; i < subscribers.size(); i++) {
                assertEquals(0, subscribers.get(i).staleDropped(), "subscriber " + i + " was sent a stale change");
                assertTrue(watches.get(i).backwards.isEmpty(), "subscriber " + i + " saw versions go down: "
                        + watches.get(i).backwards);
            }
        } finally {
            writers.shutdownNow();
            moments.shutdownNow();
            subscribers.forEach(Subscription::close);
        }
    }

    @Test
    void aClientThatMissedAThousandChangesGetsExactlyThoseOnResume() throws Exception {
        String table = E2eCluster.tableOnShard(1);
        Api api = E2eCluster.api();
        String token;
        try (TableSubscription first = raw(table, null)) {
            api.put(table, "before", "0");
            await("the first change").atMost(Duration.ofSeconds(30)).until(() -> changes(first).size() == 1);
            token = ofType(first, "change").get(0).get("token").asText();
        }
        List<String> missed = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            String key = "m" + (i % 100);
            long version = api.put(table, key, Integer.toString(i)).version();
            missed.add(key + ":put:" + version);
        }
        try (TableSubscription resumed = raw(table, token)) {
            await("the thousand").atMost(Duration.ofSeconds(60)).until(() -> changes(resumed).size() >= 1_000);
            api.put(table, "after", "1");
            await("and then live changes").atMost(Duration.ofSeconds(30)).until(() -> changes(resumed).size() >= 1_001);

            List<String> expected = new ArrayList<>(missed);
            expected.add("after:put:1");
            assertEquals(expected, changes(resumed), "exactly the missed changes, in order, then the live one");
            assertEquals("resumed", frames(resumed).get(0).get("type").asText());
            assertTrue(ofType(resumed, "snapshot").isEmpty());
        }
    }

    @Test
    void aTokenTheLogNoLongerHoldsGetsResyncAndASnapshotEqualToMySql() throws Exception {
        String table = E2eCluster.tableOnShard(0);
        Api api = E2eCluster.api();
        api.put(table, "kept", "{\"a\":1}");
        String token;
        try (TableSubscription first = raw(table, null)) {
            JsonNode snapshot = ofType(first, "snapshot").get(0);
            token = snapshot.get("token").asText();
        }
        api.put(table, "written-later", "2");
        api.delete(table, "kept");
        await("the writes are in the log").atMost(Duration.ofSeconds(30))
                .until(() -> KafkaLog.changesOf(E2eCluster.cluster().kafkaBootstrap(), table).size() == 3);
        // Retention, forced: the table's partition loses everything it held.
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, E2eCluster.cluster().kafkaBootstrap());
        try (Admin admin = Admin.create(p)) {
            int partitions = admin.describeTopics(List.of(KafkaLog.TOPIC)).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get(KafkaLog.TOPIC).partitions().size();
            TopicPartition partition = new TopicPartition(KafkaLog.TOPIC,
                    Utils.toPositive(Utils.murmur2(table.getBytes())) % partitions);
            long endOffset = admin.listOffsets(Map.of(partition, OffsetSpec.latest())).all().get(30, TimeUnit.SECONDS)
                    .get(partition).offset();
            admin.deleteRecords(Map.of(partition, RecordsToDelete.beforeOffset(endOffset))).all().get(30, TimeUnit.SECONDS);
        }

        try (TableSubscription resumed = raw(table, token)) {
            assertEquals("resync", frames(resumed).get(0).get("type").asText());
            TreeMap<String, String> snapshot = new TreeMap<>();
            for (JsonNode chunk : ofType(resumed, "snapshot")) {
                chunk.get("entries").forEach(e -> snapshot.put(e.get("key").asText(),
                        e.get("version").asLong() + " " + Api.canonical(e.get("value").toString())));
            }
            assertEquals(E2eCluster.liveRows(table), snapshot);
        }
    }

    @Test
    void aSubscriberThatStopsReadingIsToldToResyncWhileTheOthersGetEverything() throws Exception {
        String table = E2eCluster.tableOnShard(1);
        Api api = E2eCluster.api();
        TableSubscription stalled = raw(table, null);
        try (Subscription healthy = Subscription.to(fanout(), table).apiKey(E2eCluster.adminKey()).httpClient(HTTP).open()) {
            await("the healthy one is live").atMost(Duration.ofSeconds(30))
                    .until(() -> healthy.status() == rtkv.client.Status.LIVE);
            stalled.stopReading();
            // Far more than the node queues for one connection (1 MiB) plus any socket buffers.
            String big = "\"" + "x".repeat(60_000) + "\"";
            for (int i = 0; i < 200; i++) {
                api.put(table, "big" + (i % 20), big);
            }
            await("the healthy subscriber has everything").atMost(Duration.ofSeconds(60))
                    .until(() -> E2eCluster.viewOf(healthy).equals(E2eCluster.liveRows(table)));
            stalled.resumeReading();
            assertEquals("1013 too slow", stalled.closed().get(30, TimeUnit.SECONDS));
            List<JsonNode> frames = frames(stalled);
            assertEquals("resync", frames.get(frames.size() - 1).get("type").asText());
        } finally {
            stalled.close();
        }
    }

    @Test
    void theHundredAndFirstSubscriberIsRefusedUntilTheTablesCapIsRaised() throws Exception {
        String table = E2eCluster.tableOnShard(0);
        List<TableSubscription> hundred = new ArrayList<>();
        try {
            for (int i = 0; i < 100; i++) {
                hundred.add(raw(table, null));
            }
            TableSubscription refused = TableSubscription.open(HTTP, fanout(), table, E2eCluster.adminKey(), null, null, frame -> { });
            String closed = refused.closed().get(30, TimeUnit.SECONDS);
            assertTrue(closed.startsWith("4429 "), closed);
            JsonNode error = frames(refused).get(0);
            assertEquals("too_many_subscribers", error.get("error").asText());
            assertTrue(error.get("message").asText().contains("maximum of 100"), error.toString());

            assertEquals(200, E2eCluster.api().put("rtkv.settings", table, "{\"maxSubscribers\": 101}").status());
            hundred.add(admittedOnceTheCapAllows(table, "admitted under the raised cap"));
        } finally {
            hundred.forEach(TableSubscription::close);
        }
    }

    @Test
    void aPatternCapRefusesTheOneSubscriberPastItAndATablesOwnCapOverridesIt() throws Exception {
        String table = E2eCluster.tableOnShard(0);
        String pattern = table.substring(0, table.lastIndexOf('-') + 1) + "*";
        Api api = E2eCluster.api();
        Api.Answer bad = api.put("rtkv.settings", pattern.replace("-*", "*-*"), "{\"maxSubscribers\": 2}");
        assertEquals(400, bad.status(), bad.toString());
        assertEquals("invalid_setting", bad.body().get("error").asText());
        assertEquals(200, api.put("rtkv.settings", pattern, "{\"maxSubscribers\": 2}").status());
        List<TableSubscription> open = new ArrayList<>();
        try {
            open.add(raw(table, null));
            open.add(raw(table, null));
            // The cap reaches the node through the change stream: until then a third is admitted, and let go.
            JsonNode[] refusal = new JsonNode[1];
            await("the third refused under " + pattern).atMost(Duration.ofSeconds(30)).until(() -> {
                TableSubscription third = TableSubscription.open(HTTP, fanout(), table, E2eCluster.adminKey(), null,
                        TableSubscription.HEARTBEAT, frame -> { });
                await().atMost(Duration.ofSeconds(10)).until(() -> !third.frames().isEmpty());
                JsonNode first = frames(third).get(0);
                third.close();
                refusal[0] = first;
                // Not admitted yet, or refused for a moment (unavailable): tried again.
                return first.path("error").asText().equals("too_many_subscribers");
            });
            assertEquals("too_many_subscribers", refusal[0].get("error").asText(), refusal[0].toString());
            assertTrue(refusal[0].get("message").asText().contains("maximum of 2"), refusal[0].toString());

            assertEquals(200, api.put("rtkv.settings", table, "{\"maxSubscribers\": 3}").status());
            open.add(admittedOnceTheCapAllows(table, "a third admitted under the table's own cap"));
        } finally {
            open.forEach(TableSubscription::close);
        }
    }

    @Test
    void badClientFramesAndNamesGetAnErrorAndTheNodeServesOthers() throws Exception {
        String table = E2eCluster.tableOnShard(1);
        try (TableSubscription subscription = raw(table, null)) {
            subscription.send("{\"type\": \"subscribe\", \"table\": \"other\"}");
            await("an error frame").atMost(Duration.ofSeconds(30)).until(() -> ofType(subscription, "error").size() == 1);
            E2eCluster.api().put(table, "still", "1");
            await("still subscribed").atMost(Duration.ofSeconds(30)).until(() -> changes(subscription).size() == 1);
            subscription.send("x".repeat(10_000));
            assertTrue(subscription.closed().get(30, TimeUnit.SECONDS).startsWith("1009 "), "oversized: closed cleanly");
        }
        TableSubscription badName = TableSubscription.open(HTTP, fanout(), "no/such table", E2eCluster.adminKey(), null, null,
                frame -> { });
        assertTrue(badName.closed().get(30, TimeUnit.SECONDS).startsWith("1008 "));
        assertEquals("invalid_table", frames(badName).get(0).get("error").asText());
        try (TableSubscription other = raw(table, null)) {
            assertEquals(List.of("still"), List.of(ofType(other, "snapshot").get(0).get("entries").get(0).get("key").asText()));
        }
    }
}
