package rtkv.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import rtkv.infra.LocalCluster;

/**
 * Issue 8's fault 6: while relay-0 is stopped, writes go on and the shard's binary logs are purged,
 * the one holding the relay's saved position included. Started again, the relay fails loudly (an
 * ERROR naming the purge), writes a gap marker to every partition and streams on from the shard's
 * current position; the subscribers of the shard's table are told resync and reload from MySQL. The
 * {@link HistoryChecker} passes, which it would not if a subscriber had streamed past the gap: its
 * versions would jump.
 */
@ExtendWith(E2eCluster.class)
class BinlogPurgeIT {

    @Test
    void aPurgedBinlogIsALoudFailureAndAResyncNeverASilentGap() throws Exception {
        LocalCluster cluster = E2eCluster.cluster();
        String table = E2eCluster.tableOnShard(0);
        History history = new History();
        long markersBefore = KafkaLog.gapMarkers(cluster.kafkaBootstrap(), 0);
        try (RecordedSubscribers subscribers = RecordedSubscribers.open(history, table, 2)) {
            try (RecordedWriter writer = RecordedWriter.start(history, List.of(table), 8, 5)) {
                writer.awaitMore("writes acknowledged", 30, Duration.ofSeconds(30));
                cluster.stop("relay-0");
                writer.awaitMore("writes while the relay is stopped", 30, Duration.ofSeconds(30));
                List<String> before = binaryLogs(cluster);
                cluster.runAsShardAdministrator(0, "FLUSH BINARY LOGS;");
                // MariaDB keeps a file until InnoDB has checkpointed its commits, so a purge may have to wait.
                await("every binary log from before the flush purged").atMost(Duration.ofMinutes(1)).until(() -> {
                    cluster.runAsShardAdministrator(0, "PURGE BINARY LOGS BEFORE NOW() + INTERVAL 1 DAY;");
                    return binaryLogs(cluster).stream().noneMatch(before::contains);
                });
                writer.awaitMore("writes after the purge", 30, Duration.ofSeconds(30));
                cluster.restart("relay-0");
                writer.awaitMore("writes after the relay came back", 30, Duration.ofSeconds(30));
            }
            await("every subscriber told resync").atMost(Duration.ofMinutes(1)).until(() -> history.subscribers().stream()
                    .allMatch(s -> s.events().stream().anyMatch(e -> e instanceof History.Resync)));
            subscribers.assertConvergedAndChecked();
        }
        String log = Files.readString(cluster.layout().dataDir().resolve("logs/relay-0.log"), StandardCharsets.UTF_8);
        assertTrue(log.lines().anyMatch(line -> line.contains("ERROR") && line.contains("was purged")),
                "the relay's log names the purge in an ERROR");
        assertTrue(KafkaLog.gapMarkers(cluster.kafkaBootstrap(), 0) >= markersBefore + cluster.layout().partitions(),
                "a gap marker in every partition");
    }

    /** The shard's binary log files, as the relay's user sees them. */
    private static List<String> binaryLogs(LocalCluster cluster) throws SQLException {
        List<String> files = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(cluster.shardJdbcUrl(0), cluster.cdcUser(), cluster.cdcPassword());
             Statement s = c.createStatement(); ResultSet r = s.executeQuery("SHOW BINARY LOGS")) {
            while (r.next()) {
                files.add(r.getString(1));
            }
        }
        return files;
    }
}
