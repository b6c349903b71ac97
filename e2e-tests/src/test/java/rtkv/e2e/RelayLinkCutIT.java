package rtkv.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import rtkv.infra.LocalCluster;

/**
 * Issue 8's fault 5: the network between a relay and its shard cut for 10 s while writes go on (they
 * reach the shard directly). The relay reconnects by itself, without a restart, and streams what was
 * committed meanwhile; the subscribers' history passes the {@link HistoryChecker}.
 */
@ExtendWith(E2eCluster.class)
class RelayLinkCutIT {

    /** How long the link stays cut: the fault itself, not a wait for something to happen. */
    private static final Duration CUT = Duration.ofSeconds(10);

    @Test
    void aRelayCutOffFromItsShardFor10SecondsReconnectsAndLosesNothing() throws Exception {
        LocalCluster cluster = E2eCluster.cluster();
        String table = E2eCluster.tableOnShard(0);
        int shardPort = cluster.layout().shardPorts().get(0);
        History history = new History();
        try (TcpProxy proxy = new TcpProxy(shardPort);
             RecordedSubscribers subscribers = RecordedSubscribers.open(history, table, 2)) {
            cluster.routeRelay(0, proxy.port());
            long relay = cluster.process("relay-0").orElseThrow().pid();
            try (RecordedWriter writer = RecordedWriter.start(history, List.of(table), 8, 5)) {
                writer.awaitMore("writes acknowledged", 30, Duration.ofSeconds(30));
                proxy.cut();
                long atCut = writer.acknowledged();
                await("the link cut for " + CUT).pollDelay(CUT).atMost(CUT.plusSeconds(20))
                        .until(() -> writer.acknowledged() > atCut + 30);
                // The cut stopped the stream: most of what was written during it has not arrived.
                long streamed = applied(history);
                long atRestore = writer.acknowledged();
                assertTrue(streamed < atRestore - 20, "changes kept streaming while the link was cut: " + streamed
                        + " applied of " + atRestore + " written");
                proxy.restore();
                writer.awaitMore("writes after the link is back", 30, Duration.ofSeconds(30));
            }
            subscribers.assertConvergedAndChecked();
            assertEquals(relay, cluster.process("relay-0").orElseThrow().pid(), "the relay reconnected, it was not restarted");
            assertTrue(cluster.runningParts().contains("relay-0"));
        } finally {
            cluster.routeRelay(0, shardPort);
        }
    }

    /** How many changes the first subscriber has applied so far. */
    private static long applied(History history) {
        return history.subscribers().get(0).events().stream().filter(e -> e instanceof History.Applied).count();
    }
}
