package rtkv.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import rtkv.client.Status;
import rtkv.client.Subscription;
import rtkv.infra.TableSubscription;

/** Subscriptions to one key ({@code only=}) or a prefix ({@code prefix=}) of a table, on the real cluster. */
@ExtendWith(E2eCluster.class)
class ScopedSubscriptionsIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** Keys in and out of the scopes under test, "user" and "users/0" beside the prefix "user/" on purpose. */
    private static final List<String> KEYS = List.of("user", "user/", "user/0", "user/1", "user/2", "user/3", "users/0",
            "other/0", "other/1", "a");

    @Test
    void keyAndPrefixSubscribersGetExactlyTheirKeysAcrossResume() throws Exception {
        String table = E2eCluster.tableOnShard(0);
        Api api = E2eCluster.api();
        History history = new History();
        for (String key : KEYS) {
            history.put(table, key, api.put(table, key, "{\"n\":0}").version(), "{\"n\":0}");
        }
        record Watched(String name, History.Scope scope, boolean flaky) {
        }
        List<Watched> watched = List.of(new Watched("prefix user/", History.Scope.prefix("user/"), false),
                new Watched("prefix user/, reconnecting", History.Scope.prefix("user/"), true),
                new Watched("only user/1", History.Scope.only("user/1"), false),
                new Watched("only user/1, reconnecting", History.Scope.only("user/1"), true),
                new Watched("only a key never written", History.Scope.only("nobody"), true),
                new Watched("the whole table", History.Scope.ALL, false));
        List<Subscription> subscriptions = new ArrayList<>();
        ExecutorService writers = Executors.newFixedThreadPool(4);
        java.util.concurrent.ScheduledExecutorService moments = Executors.newSingleThreadScheduledExecutor();
        try {
            for (Watched w : watched) {
                History.Recorder recorder = history.subscriber(w.name(), table, false, w.scope());
                Subscription subscription = E2eCluster.scoped(Subscription.to(E2eCluster.cluster().fanoutUrl(), table)
                        .apiKey(E2eCluster.adminKey()).httpClient(HTTP).listener(recorder), w.scope()).open();
                recorder.staleDroppedFrom(subscription::staleDropped);
                subscriptions.add(subscription);
            }
            await("every scoped subscription is live").atMost(Duration.ofMinutes(1))
                    .until(() -> subscriptions.stream().allMatch(s -> s.status() == Status.LIVE));
            long end = System.currentTimeMillis() + 10_000;
            List<Future<?>> writing = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                long seed = t;
                writing.add(writers.submit(() -> {
                    Random random = new Random(seed);
                    while (System.currentTimeMillis() < end) {
                        String key = KEYS.get(random.nextInt(KEYS.size()));
                        if (random.nextInt(10) == 0) {
                            Api.Answer answer = api.delete(table, key);
                            if (answer.status() == 200) {
                                history.write(table, key, answer.version(), null);
                            } else {
                                assertEquals(404, answer.status(), answer.toString());
                            }
                        } else {
                            String value = "{\"n\":" + random.nextInt(1_000) + ",\"w\":" + seed + "}";
                            Api.Answer answer = api.put(table, key, value);
                            assertEquals(200, answer.status(), answer.toString());
                            history.put(table, key, answer.version(), value);
                        }
                    }
                    return null;
                }));
            }
            Random random = new Random(7);
            for (int i = 0; i < watched.size(); i++) {
                if (watched.get(i).flaky()) {
                    for (int k = 0; k < 3; k++) {
                        moments.schedule(subscriptions.get(i)::reconnect, 500 + random.nextInt(9_000), TimeUnit.MILLISECONDS);
                    }
                }
            }
            for (Future<?> w : writing) {
                w.get(2, TimeUnit.MINUTES);
            }
            TreeMap<String, String> rows = E2eCluster.liveRows(table);
            for (int i = 0; i < watched.size(); i++) {
                TreeMap<String, String> expected = new TreeMap<>(rows);
                History.Scope scope = watched.get(i).scope();
                expected.keySet().removeIf(key -> !scope.matches(key));
                Subscription subscription = subscriptions.get(i);
                await("the view of " + watched.get(i).name() + " equals its keys in MySQL").atMost(Duration.ofMinutes(1))
                        .untilAsserted(() -> assertEquals(expected, E2eCluster.viewOf(subscription)));
            }
            HistoryChecker.assertPasses(history.writes(), history.subscribers(), Map.of(table, E2eCluster.liveEntries(table)));
        } finally {
            writers.shutdownNow();
            moments.shutdownNow();
            subscriptions.forEach(Subscription::close);
        }
    }

    @Test
    void aBadScopeGetsAnErrorFrameAndTheNodeServesGoodOnes() throws Exception {
        String table = E2eCluster.tableOnShard(1);
        E2eCluster.api().put(table, "p/1", "1");
        E2eCluster.api().put(table, "q/1", "2");
        Map<String, String> refused = Map.of(
                "only=a&prefix=a", "cannot go together",
                "prefix=", "prefix= is empty",
                "only=", "the key is empty",
                "only=a%00b", "NUL",
                "prefix=" + "x".repeat(513), "the limit is 512");
        for (Map.Entry<String, String> bad : refused.entrySet()) {
            TableSubscription subscription = open(table, bad.getKey());
            String closed = subscription.closed().get(30, TimeUnit.SECONDS);
            assertTrue(closed.startsWith("1008 "), bad.getKey() + ": " + closed);
            JsonNode error = ReceivedFrames.of(subscription).get(0);
            assertEquals("invalid_request", error.get("error").asText(), bad.getKey());
            assertTrue(error.get("message").asText().contains(bad.getValue()), bad.getKey() + ": " + error);
        }
        try (TableSubscription good = open(table, "prefix=p%2F")) {
            await("a snapshot of p/ alone").atMost(Duration.ofSeconds(30))
                    .until(() -> !ReceivedFrames.ofType(good, "snapshot").isEmpty());
            JsonNode entries = ReceivedFrames.ofType(good, "snapshot").get(0).get("entries");
            assertEquals(1, entries.size(), entries.toString());
            assertEquals("p/1", entries.get(0).get("key").asText());
        }
    }

    private static TableSubscription open(String table, String query) {
        return TableSubscription.open(HTTP, URI.create(E2eCluster.cluster().fanoutUrl() + "/v1/tables/" + table + "/subscribe?"
                + query), E2eCluster.adminKey(), TableSubscription.HEARTBEAT, frame -> { });
    }
}
