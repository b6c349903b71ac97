package rtkv.relay;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rtkv.infra.ClusterLayout;
import rtkv.infra.LocalCluster;

/** The shard lease against a real MariaDB: one holder at a time, handed over when the holder goes. */
class ShardLeaseIT {

    @TempDir
    static Path dataDir;
    static LocalCluster cluster;
    private static int shard;

    @BeforeAll
    static void startShard() {
        cluster = LocalCluster.of(ClusterLayout.onFreePorts(dataDir.resolve("cluster"), 1)).startShards();
    }

    @AfterAll
    static void stopShard() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Each test its own shard id, so its lock name, with the shortest term allowed (4 s). */
    private static RelayConfig config() {
        return RelayConfig.from(Map.of("RTKV_SHARD_ID", Integer.toString(++shard),
                "RTKV_DB_PORT", Integer.toString(cluster.layout().shardPorts().get(0)),
                "RTKV_CDC_PASSWORD", cluster.cdcPassword(), "RTKV_RELAY_LEASE_SECONDS", "4"));
    }

    private static CompletableFuture<Boolean> acquireInBackground(ShardLease lease, AtomicBoolean stop) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return lease.acquire(stop::get);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        });
    }

    @Test
    void aStandbyWaitsWhileTheLeaseIsHeldAndTakesItTheMomentItIsLetGo() throws Exception {
        RelayConfig config = config();
        AtomicBoolean stop = new AtomicBoolean();
        try (ShardLease active = new ShardLease(config); ShardLease standby = new ShardLease(config)) {
            assertTrue(active.acquire(stop::get));
            CompletableFuture<Boolean> taken = acquireInBackground(standby, stop);
            await("the standby sees the lease held by another").atMost(Duration.ofSeconds(30)).until(standby::heldByAnother);
            assertTrue(active.renew(), "the holder still holds it");
            assertFalse(taken.isDone(), "the standby is still waiting");

            active.close();

            await("the standby takes the lease").atMost(Duration.ofSeconds(10)).until(taken::isDone);
            assertTrue(taken.get());
            assertTrue(standby.renew());
            try (ShardLease third = new ShardLease(config)) {
                AtomicBoolean once = new AtomicBoolean();
                assertFalse(third.acquire(() -> !once.compareAndSet(false, true)), "a third contender gets nothing");
                assertTrue(third.heldByAnother(), "and is told the lease is held by another");
            }
        } finally {
            stop.set(true);
        }
    }

    @Test
    void aHolderWhoseConnectionIsDroppedLearnsItAtItsNextRenewal() throws Exception {
        RelayConfig config = config();
        try (ShardLease lease = new ShardLease(config)) {
            assertTrue(lease.acquire(() -> false));
            killHolderOf("rtkv-relay-shard-" + config.shardId());
            assertFalse(lease.renew());
        }
    }

    @Test
    void aHolderThatFallsSilentLosesTheLeaseAfterOneTerm() throws Exception {
        RelayConfig config = config();
        AtomicBoolean stop = new AtomicBoolean();
        try (ShardLease silent = new ShardLease(config); ShardLease standby = new ShardLease(config)) {
            assertTrue(silent.acquire(stop::get));
            // The silent holder never renews: as if its host had vanished without closing the connection.
            CompletableFuture<Boolean> taken = acquireInBackground(standby, stop);
            await("the server frees the lock of a connection idle for a term").atMost(Duration.ofSeconds(30))
                    .until(taken::isDone);
            assertTrue(taken.get());
            assertFalse(silent.renew());
        } finally {
            stop.set(true);
        }
    }

    private static void killHolderOf(String lockName) throws SQLException {
        try (Connection c = DriverManager.getConnection(
                "jdbc:mariadb://127.0.0.1:" + cluster.layout().shardPorts().get(0) + "/", cluster.cdcUser(), cluster.cdcPassword());
             Statement s = c.createStatement()) {
            long holder;
            try (ResultSet r = s.executeQuery("SELECT IS_USED_LOCK('" + lockName + "')")) {
                r.next();
                holder = r.getLong(1);
            }
            s.execute("KILL CONNECTION " + holder);
        }
    }
}
