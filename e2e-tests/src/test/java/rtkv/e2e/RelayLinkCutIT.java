package rtkv.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
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
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong acknowledged = new AtomicLong();
        Thread writer = null;
        try (TcpProxy proxy = new TcpProxy(shardPort);
             RecordedSubscribers subscribers = RecordedSubscribers.open(history, table, 2)) {
            cluster.routeRelay(0, proxy.port());
            long relay = cluster.process("relay-0").orElseThrow().pid();

            Api api = E2eCluster.api();
            writer = new Thread(() -> {
                Random random = new Random(5);
                while (writing.get()) {
                    String key = "k" + random.nextInt(8);
                    String value = "{\"n\":" + random.nextInt(1000) + "}";
                    Api.Answer answer = api.put(table, key, value);
                    if (answer.status() == 200) {
                        history.put(table, key, answer.version(), value);
                        acknowledged.incrementAndGet();
                    }
                }
            }, "link-cut-writer");
            writer.start();
            await("writes acknowledged").atMost(Duration.ofSeconds(30)).until(() -> acknowledged.get() > 30);

            proxy.cut();
            long atCut = acknowledged.get();
            await("the link cut for " + CUT).pollDelay(CUT).atMost(CUT.plusSeconds(20))
                    .until(() -> acknowledged.get() > atCut + 30);
            // The cut stopped the stream: most of what was written during it has not arrived.
            long streamed = applied(history);
            long atRestore = acknowledged.get();
            assertTrue(streamed < atRestore - 20, "changes kept streaming while the link was cut: " + streamed
                    + " applied of " + atRestore + " written");
            proxy.restore();
            await("writes after the link is back").atMost(Duration.ofSeconds(30)).until(() -> acknowledged.get() > atRestore + 30);
            writing.set(false);
            writer.join(60_000);

            subscribers.assertConvergedAndChecked();
            assertEquals(relay, cluster.process("relay-0").orElseThrow().pid(), "the relay reconnected, it was not restarted");
            assertTrue(cluster.runningParts().contains("relay-0"));
        } finally {
            writing.set(false);
            if (writer != null) {
                writer.join(60_000);
            }
            cluster.routeRelay(0, shardPort);
        }
    }

    /** How many changes the first subscriber has applied so far. */
    private static long applied(History history) {
        return history.subscribers().get(0).events().stream().filter(e -> e instanceof History.Applied).count();
    }
}
