package rtkv.api;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static rtkv.api.ApiFixture.call;
import static rtkv.api.ApiFixture.delete;
import static rtkv.api.ApiFixture.get;
import static rtkv.api.ApiFixture.keyPath;
import static rtkv.api.ApiFixture.put;
import static rtkv.api.ApiFixture.rows;
import static rtkv.api.ApiFixture.table;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import rtkv.api.store.Shards;
import rtkv.api.store.Sweeper;

/** Time to live: never read once expired, then tombstoned by the sweeper, then garbage-collected. */
@ExtendWith(ApiFixture.class)
class TimeToLiveIT {

    @Test
    void anExpiredKeyIsGoneAtOnceAndTombstonedByTheSweeper() throws Exception {
        String table = table("ttl");
        ApiFixture.Answer written = call("PUT", keyPath(table, "k") + "?ttl=1", "\"short\"");
        assertEquals(200, written.status());
        long expiresAt = written.body().get("expiresAt").asLong();
        long now = System.currentTimeMillis();
        assertTrue(expiresAt > now && expiresAt <= now + 1_000 + 50, "expires a second after the write: " + expiresAt);
        assertEquals(expiresAt, get(table, "k").body().get("expiresAt").asLong());

        await("the key's second ends").atMost(Duration.ofSeconds(5)).until(() -> System.currentTimeMillis() >= expiresAt);
        assertEquals(404, get(table, "k").status(), "never returned once expired, sweeper or not");

        await("the sweeper tombstones it").atMost(Duration.ofSeconds(10))
                .until(() -> rows(table).equals(List.of("k|null|2|0|true")));
        assertEquals(404, delete(table, "k").status());
        assertEquals(3, put(table, "k", "1").version(), "re-created after expiry, the version goes on");
    }

    @Test
    void theTtlRouteSetsAndClearsIt() {
        String table = table("ttl-route");
        put(table, "k", "1");
        ApiFixture.Answer set = call("PUT", keyPath(table, "k") + "/ttl", "{\"ttl\": 3600}");
        assertEquals(200, set.status());
        assertEquals(2, set.version());
        long expiresAt = set.body().get("expiresAt").asLong();
        assertTrue(expiresAt > System.currentTimeMillis() + 3_590_000);
        assertEquals(expiresAt, get(table, "k").body().get("expiresAt").asLong());

        ApiFixture.Answer cleared = call("PUT", keyPath(table, "k") + "/ttl", "{\"ttl\": null}");
        assertEquals(200, cleared.status());
        assertTrue(cleared.body().get("expiresAt").isNull());
        assertTrue(get(table, "k").body().get("expiresAt").isNull());
        assertEquals(404, call("PUT", keyPath(table, "absent") + "/ttl", "{\"ttl\": 5}").status());
    }

    @Test
    void aPutWithoutTtlClearsAnEarlierOne() {
        String table = table("ttl-cleared");
        call("PUT", keyPath(table, "k") + "?ttl=60", "1");
        assertTrue(put(table, "k", "2").body().get("expiresAt").isNull());
        assertTrue(get(table, "k").body().get("expiresAt").isNull());
    }

    @Test
    void tenThousandKeysExpireWithinTenSecondsWhileWritesGoOn() throws Exception {
        String table = table("ttl-mass");
        try (Connection c = ApiFixture.shardOf(table);
             PreparedStatement insert = c.prepareStatement("INSERT INTO kv (table_id, k, v, version, expires_at, expired,"
                     + " changed_at) VALUES (?, ?, '1', 1, ?, FALSE, ?)")) {
            long expiresAt = System.currentTimeMillis() + 1_000;
            for (int i = 0; i < 10_000; i++) {
                insert.setString(1, table);
                insert.setBytes(2, ("k" + i).getBytes());
                insert.setLong(3, expiresAt);
                insert.setLong(4, expiresAt - 1_000);
                insert.addBatch();
            }
            insert.executeBatch();
            await("their second ends").atMost(Duration.ofSeconds(5)).until(() -> System.currentTimeMillis() >= expiresAt);
        }
        String other = table("ttl-writes");
        AtomicBoolean sweeping = new AtomicBoolean(true);
        AtomicInteger writes = new AtomicInteger();
        ExecutorService writer = Executors.newSingleThreadExecutor();
        Future<?> writing = writer.submit(() -> {
            while (sweeping.get()) {
                assertEquals(200, put(other, "k" + writes.get() % 50, "1").status());
                writes.incrementAndGet();
            }
            return null;
        });
        try {
            await("all 10,000 expired").atMost(Duration.ofSeconds(10)).until(() -> tombstones(table) == 10_000);
        } finally {
            sweeping.set(false);
            writer.shutdown();
        }
        writing.get();
        assertTrue(writes.get() > 0, "puts on other keys went on meanwhile");
    }

    @Test
    void tombstonesAreRemovedOnceOlderThanTheRetention() throws Exception {
        String table = table("ttl-gc");
        put(table, "k", "1");
        delete(table, "k");
        assertEquals(List.of("k|null|2|0|false"), rows(table));
        // A sweeper whose clock runs two days ahead finds the tombstone older than its one-day retention.
        ApiConfig config = ApiFixture.config(ApiFixture.cluster(), java.util.Map.of("RTKV_TOMBSTONE_RETENTION_SECONDS", "86400"));
        try (Shards shards = new Shards(config.store(), new io.micrometer.core.instrument.simple.SimpleMeterRegistry())) {
            Sweeper sweeper = new Sweeper(shards, config.store(), Clock.offset(Clock.systemUTC(), Duration.ofDays(2)));
            await("collected").atMost(Duration.ofSeconds(10)).until(() -> {
                sweeper.sweep(shards.shardOf(table));
                return rows(table).isEmpty();
            });
        }
    }

    @Test
    void aKeyWrittenAfterItsTombstoneWasRemovedContinuesAboveIt() throws Exception {
        String table = table("ttl-floor");
        for (int i = 0; i < 3; i++) {
            put(table, "k", Integer.toString(i));
        }
        assertEquals(4, delete(table, "k").version());
        put(table, "other", "1");
        delete(table, "other");
        assertEquals(200, call("PUT", keyPath(table, "short") + "?ttl=1", "1").status());
        await("the short key's tombstone").atMost(Duration.ofSeconds(10))
                .until(() -> rows(table).contains("short|null|2|0|true"));
        ApiConfig config = ApiFixture.config(ApiFixture.cluster(), java.util.Map.of("RTKV_TOMBSTONE_RETENTION_SECONDS", "86400"));
        try (Shards shards = new Shards(config.store(), new io.micrometer.core.instrument.simple.SimpleMeterRegistry())) {
            Sweeper sweeper = new Sweeper(shards, config.store(), Clock.offset(Clock.systemUTC(), Duration.ofDays(2)));
            await("all three collected").atMost(Duration.ofSeconds(10)).until(() -> {
                sweeper.sweep(shards.shardOf(table));
                return rows(table).isEmpty();
            });
        }
        // The highest version removed was k's 4: every key of the table written anew starts above it.
        assertEquals(5, put(table, "k", "\"again\"").version(), "a put");
        assertEquals(5, call("POST", keyPath(table, "other") + "/incr", "{\"by\": 2}").version(), "an increment");
        assertEquals(5, put(table, "short", "1", "If-None-Match", "*").version(), "a create-only put");
        ApiFixture.Answer batch = call("POST", "/v1/tables/" + table + "/batch", "{\"ops\":[{\"op\":\"put\",\"key\":\"new\",\"value\":1}]}");
        assertEquals(5, batch.body().get("results").get(0).get("version").asLong(), "a key never written before, in a batch");
        assertEquals(6, put(table, "k", "1").version(), "then one at a time");
    }

    @Test
    void versionsOnlyGrowWhileTombstonesAreRemovedUnderTheWriters() throws Exception {
        String table = table("ttl-floor-race");
        ApiConfig config = ApiFixture.config(ApiFixture.cluster(), java.util.Map.of("RTKV_TOMBSTONE_RETENTION_SECONDS", "86400"));
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger removed = new AtomicInteger();
        ExecutorService sweeping = Executors.newSingleThreadExecutor();
        try (Shards shards = new Shards(config.store(), new io.micrometer.core.instrument.simple.SimpleMeterRegistry())) {
            Sweeper sweeper = new Sweeper(shards, config.store(), Clock.offset(Clock.systemUTC(), Duration.ofDays(2)));
            Future<?> sweeps = sweeping.submit(() -> {
                while (writing.get()) {
                    removed.addAndGet(sweeper.sweep(shards.shardOf(table)));
                }
                return null;
            });
            // Each key has one writer, so the versions it is answered come in the order they were made.
            List<String> regressions = ApiFixture.inParallel(8, 8, writer -> {
                List<String> found = new java.util.ArrayList<>();
                long last = 0;
                for (int round = 0; round < 60; round++) {
                    String key = "k" + writer;
                    long put = put(table, key, Integer.toString(round)).version();
                    long deleted = delete(table, key).version();
                    if (put <= last || deleted <= put) {
                        found.add(key + ": @" + last + " then put @" + put + ", delete @" + deleted);
                    }
                    last = deleted;
                }
                return String.join("; ", found);
            });
            writing.set(false);
            sweeps.get();
            assertEquals(List.of("", "", "", "", "", "", "", ""), regressions);
            assertTrue(removed.get() > 0, "tombstones were removed meanwhile");
            assertTrue(floor(table) > 0, "some of them this table's, under its writers");
        } finally {
            writing.set(false);
            sweeping.shutdown();
        }
    }

    /** The table's floor: the highest version among its removed tombstones, 0 when none was. */
    private static long floor(String table) throws Exception {
        try (Connection c = ApiFixture.shardOf(table);
             PreparedStatement s = c.prepareStatement("SELECT floor FROM kv_floor WHERE table_id = ?")) {
            s.setString(1, table);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    private static int tombstones(String table) throws Exception {
        try (Connection c = ApiFixture.shardOf(table);
             PreparedStatement s = c.prepareStatement(
                     "SELECT COUNT(*) FROM kv WHERE table_id = ? AND v IS NULL AND expired AND expires_at = 0")) {
            s.setString(1, table);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }
}
