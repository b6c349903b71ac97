package rtkv.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import rtkv.client.Batch;
import rtkv.client.Entry;
import rtkv.client.Listener;
import rtkv.client.Page;
import rtkv.client.RtkvClient;
import rtkv.client.RtkvException;
import rtkv.client.Status;
import rtkv.client.Subscription;
import rtkv.client.Table;
import rtkv.client.Write;
import rtkv.client.Written;

/** The Java SDK against the real cluster: every call of the HTTP API, and subscriptions sharing a connection. */
@ExtendWith(E2eCluster.class)
class JavaSdkIT {

    private static RtkvClient client(String key) {
        return RtkvClient.builder().api(E2eCluster.cluster().apiUrl()).fanout(E2eCluster.cluster().fanoutUrl())
                .apiKey(key).build();
    }

    @Test
    void theReadmeExampleRunsAsWritten() throws Exception {
        String table = E2eCluster.tableOnShard(0);
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        JavaSdkExample.run(E2eCluster.cluster().apiUrl(), E2eCluster.cluster().fanoutUrl(), E2eCluster.adminKey(), table,
                new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
        List<String> out = printed.toString(java.nio.charset.StandardCharsets.UTF_8).lines().toList();
        assertEquals(List.of("version_mismatch, ann is at version 2", "loaded: [bob]", "bob {\"points\":4} at version 2", "held: [bob]",
                "claps 1"), out);
    }

    @Test
    void everyCallOfTheHttpApiWithItsErrorsTyped() {
        String name = E2eCluster.tableOnShard(1);
        try (RtkvClient rtkv = client(E2eCluster.adminKey())) {
            Table table = rtkv.table(name);
            String odd = "a/b c é";
            Written first = table.put(odd, Map.of("n", new java.math.BigDecimal("1.50")));
            assertEquals(1, first.version());
            Entry got = table.get(odd).orElseThrow();
            assertEquals("1.50", got.value().get("n").toString(), "numbers keep their digits both ways");
            assertTrue(table.get("nobody").isEmpty());

            RtkvException conflict = assertThrows(RtkvException.class,
                    () -> table.put(odd, 2, Write.options().ifVersion(7)));
            assertTrue(conflict.isConflict());
            assertEquals("version_mismatch", conflict.code());
            assertEquals(1L, conflict.currentVersion());
            RtkvException exists = assertThrows(RtkvException.class, () -> table.put(odd, 2, Write.options().ifAbsent()));
            assertEquals(412, exists.status());
            assertEquals(2, table.put(odd, 2, Write.options().ifVersion(1)).version());

            Written expiring = table.put("session", "s", Write.options().ttl(Duration.ofSeconds(60)));
            assertTrue(expiring.expiresAt() > System.currentTimeMillis());
            assertNull(table.ttl("session", null).expiresAt());
            assertEquals("not_found", assertThrows(RtkvException.class, () -> table.ttl("nobody", Duration.ofSeconds(5)))
                    .code());

            assertEquals(5, table.incr("n", 5).value().asLong());
            assertEquals(3, table.incr("n", -2, Write.options().idempotencyKey("incr-1")).value().asLong());
            assertEquals(3, table.incr("n", -2, Write.options().idempotencyKey("incr-1")).value().asLong(),
                    "the same idempotency key is answered again, not applied twice");
            table.put("text", "hello");
            RtkvException notANumber = assertThrows(RtkvException.class, () -> table.incr("text", 1));
            assertEquals(409, notANumber.status());
            assertEquals("not_a_number", notANumber.code());

            List<Written> results = table.batch(Batch.of().put("b1", true).incr("n", 1).delete("session"));
            assertEquals(List.of("b1", "n", "session"), results.stream().map(Written::key).toList());
            assertEquals(4, results.get(1).value().asLong());
            RtkvException failed = assertThrows(RtkvException.class,
                    () -> table.batch(Batch.of().put("b2", 1).put("b1", 2, Write.options().ifAbsent())));
            assertEquals(1, failed.operation(), "the failing operation's index");
            assertTrue(table.get("b2").isEmpty(), "all or nothing");

            for (int i = 0; i < 5; i++) {
                table.put("p" + i, i);
            }
            List<String> walked = new ArrayList<>();
            Page page = table.list("p", null, 2);
            while (true) {
                walked.addAll(page.entries().keySet());
                if (page.next() == null) {
                    break;
                }
                page = table.list("p", page.next(), 2);
            }
            assertEquals(List.of("p0", "p1", "p2", "p3", "p4"), walked);

            assertEquals(2, table.delete("p0").orElseThrow().version(), "a delete's version follows the put's");
            assertTrue(table.delete("p0").isEmpty(), "deleting what is gone");
            assertEquals("invalid_table", assertThrows(RtkvException.class, () -> rtkv.table("bad name!").get("k")).code());
        }
        try (RtkvClient stranger = client("rk.nobody.secret")) {
            RtkvException refused = assertThrows(RtkvException.class, () -> stranger.table(name).get("k"));
            assertEquals(401, refused.status());
            assertEquals("unauthorized", refused.code());
        }
        IllegalArgumentException settings = assertThrows(IllegalArgumentException.class,
                () -> RtkvClient.builder().api("ftp://x").fanout("http://y").retries(-1).build());
        assertTrue(settings.getMessage().contains("api") && settings.getMessage().contains("fanout")
                && settings.getMessage().contains("retries"), "every bad setting at once: " + settings.getMessage());
    }

    @Test
    void subscriptionsToSeveralTablesShareOneConnectionAndResumeTogether() throws Exception {
        List<String> tables = List.of(E2eCluster.tableOnShard(0), E2eCluster.tableOnShard(1), E2eCluster.tableOnShard(0));
        History history = new History();
        List<Subscription> subscriptions = new ArrayList<>();
        List<History.Scope> scopes = List.of(History.Scope.ALL, History.Scope.prefix("k1"), History.Scope.only("k2"));
        RecordedWriter writer = null;
        try (RtkvClient rtkv = client(E2eCluster.adminKey())) {
            for (String table : tables) {
                for (History.Scope scope : scopes) {
                    History.Recorder recorder = history.subscriber(table + " " + scope, table, false, scope);
                    Subscription subscription = E2eCluster.scoped(rtkv.table(table).subscribe().listener(recorder), scope).open();
                    recorder.staleDroppedFrom(subscription::staleDropped);
                    subscriptions.add(subscription);
                }
            }
            await("nine subscriptions live").atMost(Duration.ofSeconds(30))
                    .until(() -> subscriptions.stream().allMatch(s -> s.status() == Status.LIVE));
            assertEquals(1, rtkv.connections(), "one node, one connection");

            writer = RecordedWriter.start(history, tables, 12, 3);
            writer.awaitMore("writes flowing", 100, Duration.ofSeconds(30));
            subscriptions.get(0).reconnect(); // the shared connection drops: every subscription resumes
            await("all live again").atMost(Duration.ofSeconds(30))
                    .until(() -> subscriptions.stream().allMatch(s -> s.status() == Status.LIVE));
            writer.awaitMore("writes after the drop", 100, Duration.ofSeconds(30));
            writer.close();

            Map<String, Map<String, History.Versioned>> mysql = new java.util.HashMap<>();
            for (int i = 0; i < subscriptions.size(); i++) {
                String table = tables.get(i / scopes.size());
                History.Scope scope = scopes.get(i % scopes.size());
                TreeMap<String, String> rows = new TreeMap<>(E2eCluster.liveRows(table));
                rows.keySet().removeIf(key -> !scope.matches(key));
                Subscription subscription = subscriptions.get(i);
                await("the view of " + table + " " + scope).atMost(Duration.ofSeconds(30))
                        .until(() -> E2eCluster.viewOf(subscription).equals(rows));
                mysql.put(table, E2eCluster.liveEntries(table));
            }
            for (History.Subscriber subscriber : history.subscribers()) {
                assertEquals(1, subscriber.events().stream().filter(e -> e instanceof History.Snapshot).count(),
                        subscriber.name() + " resumed rather than starting over: " + subscriber.statuses());
            }
            HistoryChecker.assertPasses(history.writes(), history.subscribers(), mysql);

            subscriptions.forEach(Subscription::close);
            await("the idle connection closed").atMost(Duration.ofSeconds(30)).until(() -> rtkv.connections() == 0);
        } finally {
            if (writer != null) {
                writer.close();
            }
        }
    }

    @Test
    void aRefusedSubscriptionEndsAloneAndARevokedKeyEndsEveryOneOnTheConnection() {
        String mine = E2eCluster.tableOnShard(0);
        String theirs = E2eCluster.tableOnShard(1);
        JsonNode created = KeysIT.createKey("sdk", "subscribe:" + mine, "write:" + mine);
        List<String> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        Listener listener = new Listener() {
            @Override
            public void onError(String error, String message) {
                errors.add(error);
            }
        };
        try (RtkvClient rtkv = client(created.get("key").asText())) {
            Subscription allowed = rtkv.table(mine).subscribe().listener(listener).open();
            Subscription refused = rtkv.table(theirs).subscribe().listener(listener).open();
            Subscription badTable = rtkv.table("no such table!").subscribe().listener(listener).open();
            await("refused for good, the other live").atMost(Duration.ofSeconds(30))
                    .until(() -> refused.status() == Status.CLOSED && badTable.status() == Status.CLOSED
                            && allowed.status() == Status.LIVE);
            assertTrue(errors.containsAll(List.of("forbidden", "invalid_table")), errors.toString());
            rtkv.table(mine).put("k", 1);
            await("the allowed one goes on").atMost(Duration.ofSeconds(30)).until(() -> allowed.get("k").isPresent());

            assertEquals(200, E2eCluster.api().call("DELETE", "/v1/admin/keys/" + created.get("id").asText(), null)
                    .status());
            await("the revoked key's subscription closed").atMost(Duration.ofSeconds(30))
                    .until(() -> allowed.status() == Status.CLOSED);
            assertTrue(errors.contains("unauthorized"), errors.toString());
            assertFalse(allowed.entries().isEmpty(), "a closed subscription keeps what it held");
        }
    }
}
