package rtkv.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import rtkv.infra.LocalCluster;
import rtkv.schema.ShardMap;

/**
 * The walking skeleton end to end: HTTP write, MariaDB shard, binlog, Debezium relay, Kafka, fanout
 * node, WebSocket subscriber. Every part is a real process started by the launcher ./rtkv up uses.
 */
@ExtendWith(E2eCluster.class)
class PipelineIT {

    private static final ShardMap SHARDS = E2eCluster.SHARDS;

    private static LocalCluster cluster() {
        return E2eCluster.cluster();
    }

    private static Api api() {
        return E2eCluster.api();
    }

    private static String tableOnShard(int shard) {
        return E2eCluster.tableOnShard(shard);
    }

    private static Connection shard(String table) throws SQLException {
        return DriverManager.getConnection(cluster().shardJdbcUrl(SHARDS.shardOf(table)), cluster().appUser(), cluster().appPassword());
    }

    private static void insertDirectly(Connection connection, String table, String key) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO kv (table_id, k, v, version, changed_at) VALUES (?, ?, '\"direct\"', 1, 0)")) {
            insert.setString(1, table);
            insert.setBytes(2, key.getBytes(StandardCharsets.UTF_8));
            insert.executeUpdate();
        }
    }

    @Test
    void putUpdateAndDeleteReachASubscriberInOrderWithGrowingVersions() {
        String table = tableOnShard(0);
        try (Watcher watcher = Watcher.subscribe(table)) {
            assertEquals(1, api().put(table, "a", "{\"n\":1}").version());
            assertEquals(2, api().put(table, "a", "{\"n\":2}").version());
            assertEquals(3, api().delete(table, "a").version());
            assertEquals(4, api().put(table, "a", "\"again\"").version());

            watcher.awaitKey("a");
            await("four changes").until(() -> watcher.changes().size() == 4);
            assertEquals(List.of("a:put:1", "a:put:2", "a:delete:3", "a:put:4"), watcher.summary());
            assertEquals(2, watcher.changes().get(1).get("value").get("n").asInt());
            assertTrue(watcher.changes().get(2).get("value").isNull());
            assertEquals("again", watcher.changes().get(3).get("value").asText());
        }
    }

    @Test
    void anExpiredKeyReachesSubscribersAsAnExpire() {
        String table = tableOnShard(1);
        try (Watcher watcher = Watcher.subscribe(table)) {
            Api.Answer written = api().call("PUT", Api.keyPath(table, "short") + "?ttl=1", "\"lived\"");
            long expiresAt = written.body().get("expiresAt").asLong();
            api().call("POST", Api.keyPath(table, "claps") + "/incr", "{\"by\": 3}");

            await("the expiry").atMost(java.time.Duration.ofSeconds(30))
                    .until(() -> watcher.summary().contains("short:expire:2"));
            assertEquals(List.of("short:put:1", "claps:put:1", "short:expire:2"), watcher.summary());
            assertEquals(expiresAt, watcher.changes().get(0).get("expiresAt").asLong(), "a put carries its expiry");
            assertEquals(3, watcher.changes().get(1).get("value").asInt(), "an increment is a put of the new value");
            assertEquals(404, api().get(table, "short").status());
        }
    }

    @Test
    void tablesOnBothShardsStreamAndEachSubscriberGetsOnlyItsTable() throws SQLException {
        String first = tableOnShard(0);
        String second = tableOnShard(1);
        try (Watcher one = Watcher.subscribe(first);
             Watcher two = Watcher.subscribe(second)) {
            api().put(first, "only-first", "1");
            api().put(second, "only-second", "2");
            api().put(first, "end", "true");
            api().put(second, "end", "true");

            one.awaitKey("end");
            two.awaitKey("end");
            assertEquals(List.of("only-first:put:1", "end:put:1"), one.summary());
            assertEquals(List.of("only-second:put:1", "end:put:1"), two.summary());
            // Each table's rows are on its own shard, so each stream came through that shard's relay.
            assertEquals(2, rowsOn(0, first));
            assertEquals(0, rowsOn(1, first));
            assertEquals(2, rowsOn(1, second));
            assertEquals(0, rowsOn(0, second));
        }
    }

    private static int rowsOn(int shard, String table) throws SQLException {
        try (Connection connection = DriverManager.getConnection(cluster().shardJdbcUrl(shard), cluster().appUser(),
                cluster().appPassword());
             PreparedStatement count = connection.prepareStatement("SELECT COUNT(*) FROM kv WHERE table_id = ?")) {
            count.setString(1, table);
            try (ResultSet rs = count.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    @Test
    void onlyCommittedTransactionsAreBroadcast() throws Exception {
        String table = tableOnShard(1);
        try (Watcher watcher = Watcher.subscribe(table);
             Connection open = shard(table)) {
            open.setAutoCommit(false);
            insertDirectly(open, table, "pending");

            // The marker is committed after the open transaction wrote its row: once it has arrived,
            // the pending row would have too, had it been broadcast before its commit.
            api().put(table, "marker-1", "1");
            watcher.awaitKey("marker-1");
            assertFalse(watcher.received("pending"), "an uncommitted row was broadcast");

            open.commit();
            watcher.awaitKey("pending");

            insertDirectly(open, table, "rolled-back");
            open.rollback();
            api().put(table, "marker-2", "2");
            watcher.awaitKey("marker-2");
            assertFalse(watcher.received("rolled-back"), "a rolled-back row was broadcast");
            assertEquals(List.of("marker-1:put:1", "pending:put:1", "marker-2:put:1"), watcher.summary());
        }
    }

    @Test
    void aRelayKilledMidStreamAndRestartedLosesNothing() throws Exception {
        String table = tableOnShard(0);
        int writes = 80;
        try (Watcher watcher = Watcher.subscribe(table)) {
            api().put(table, "before", "0");
            watcher.awaitKey("before");

            // A writer keeps committing while the relay is killed, so changes are in flight in
            // Debezium and the producer at the moment of the SIGKILL, and more commit while it is down.
            // The last ten wait for the kill, so it always lands mid-stream however slowly changes arrive.
            AtomicInteger acknowledged = new AtomicInteger();
            CountDownLatch killed = new CountDownLatch(1);
            ExecutorService writer = Executors.newSingleThreadExecutor();
            Future<?> writing = writer.submit(() -> {
                for (int i = 0; i < writes; i++) {
                    if (i == writes - 10) {
                        assertTrue(killed.await(2, TimeUnit.MINUTES), "the relay was killed");
                    }
                    assertEquals(200, api().put(table, "k" + i, Integer.toString(i)).status());
                    acknowledged.incrementAndGet();
                }
                assertEquals(200, api().put(table, "k0", "\"updated\"").status());
                return null;
            });
            await("some writes streamed before the kill").until(() -> watcher.received("k10"));
            cluster().kill("relay-0");
            int atKill = acknowledged.get();
            killed.countDown();
            writing.get(2, TimeUnit.MINUTES);
            writer.shutdown();
            cluster().restart("relay-0");

            await("every write after the restart").until(() -> watcher.summary().contains("k0:put:2"));
            // Exactly once: Debezium hands over again what followed its last saved position, and the
            // relay publishes none of it twice, so subscribers see no duplicate and no gap.
            List<String> expected = new ArrayList<>(List.of("before:put:1"));
            for (int i = 0; i < writes; i++) {
                expected.add("k" + i + ":put:1");
            }
            expected.add("k0:put:2");
            assertEquals(expected, watcher.summary());
            assertEquals(expected.size(), KafkaLog.changesOf(cluster().kafkaBootstrap(), table).size(),
                    "the change log holds each change once");
            assertTrue(atKill < writes, "the relay was killed while writes were still coming (" + atKill + ")");
        }
    }

    @Test
    void badInputIsRefusedWithA400AndNothingIsWrittenOrBroadcast() throws Exception {
        String table = tableOnShard(1);
        try (Watcher watcher = Watcher.subscribe(table)) {
            Map<String, Api.Answer> answers = Map.of(
                    "malformed JSON", api().put(table, "k", "{\"n\":"),
                    "empty key", api().call("PUT", "/v1/tables/" + table + "/keys/", "1"),
                    "oversized key", api().put(table, "k".repeat(513), "1"),
                    "illegal table name", api().put("no such;table", "k", "1"));
            for (Map.Entry<String, Api.Answer> answer : answers.entrySet()) {
                assertEquals(400, answer.getValue().status(), answer.getKey());
                assertFalse(answer.getValue().body().get("message").asText().isBlank(), answer.getKey());
            }
            api().put(table, "marker", "true");
            watcher.awaitKey("marker");

            assertEquals(List.of("marker:put:1"), watcher.summary());
            assertEquals(1, rowsOn(SHARDS.shardOf(table), table), "only the marker was written");
        }
    }
}
