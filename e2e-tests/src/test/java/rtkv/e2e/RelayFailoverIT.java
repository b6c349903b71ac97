package rtkv.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import rtkv.infra.LocalCluster;

/**
 * Issue 8's fault 1: the active relay of a shard SIGKILLed while writes go on. The standby, waiting
 * on the shard's lease, takes over from the position saved in Kafka within 15 s; the killed relay,
 * started again, becomes the standby. The roles are sampled all along: never two relays active on the
 * shard. The subscribers' history passes the {@link HistoryChecker}.
 */
@ExtendWith(E2eCluster.class)
class RelayFailoverIT {

    private static final Duration TAKEOVER = Duration.ofSeconds(15);

    @Test
    void theStandbyTakesOverFromAKilledRelayAndNothingIsLost() throws Exception {
        LocalCluster cluster = E2eCluster.cluster();
        String table = E2eCluster.tableOnShard(0);
        History history = new History();
        String standby = cluster.startRelayStandby(0, E2eCluster.freePort());
        ConcurrentLinkedQueue<String> bothActive = new ConcurrentLinkedQueue<>();
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        try (RecordedSubscribers subscribers = RecordedSubscribers.open(history, table, 3)) {
            assertEquals(Optional.of("active"), cluster.relayRole("relay-0"));
            assertEquals(Optional.of("standby"), cluster.relayRole(standby));
            sampler.scheduleWithFixedDelay(() -> {
                if (cluster.relayRole("relay-0").equals(Optional.of("active"))
                        && cluster.relayRole(standby).equals(Optional.of("active"))) {
                    bothActive.add("both active at " + System.currentTimeMillis());
                }
            }, 0, 100, TimeUnit.MILLISECONDS);

            try (RecordedWriter writer = RecordedWriter.start(history, List.of(table), 8, 5)) {
                writer.awaitMore("writes acknowledged", 30, Duration.ofSeconds(30));
                long killedAt = System.nanoTime();
                cluster.kill("relay-0");
                await("the standby takes over").atMost(TAKEOVER)
                        .until(() -> cluster.relayRole(standby).equals(Optional.of("active")));
                System.out.printf("RelayFailoverIT: kill to the standby streaming: %d ms%n",
                        (System.nanoTime() - killedAt) / 1_000_000);
                writer.awaitMore("writes after the takeover", 30, Duration.ofSeconds(30));

                cluster.restart("relay-0");
                assertEquals(Optional.of("standby"), cluster.relayRole("relay-0"), "the restarted relay waits");
                writer.awaitMore("writes with the old relay back as standby", 30, Duration.ofSeconds(30));
            }
            subscribers.assertConvergedAndChecked();
            sampler.shutdownNow();
            assertEquals(List.of(), List.copyOf(bothActive), "two relays streamed the shard at once");
            // What the roles cannot show: the log itself holds each change once, across the takeover.
            List<String> logged = KafkaLog.changesOf(cluster.kafkaBootstrap(), table).stream()
                    .map(e -> e.key() + "@" + e.version()).toList();
            assertTrue(logged.size() > 90, "the log holds the writes: " + logged.size());
            assertEquals(logged.size(), Set.copyOf(logged).size(), "a change published twice across the takeover");
        } finally {
            sampler.shutdownNow();
            // The other tests expect relay-0 active: stopping the standby cleanly hands the lease back.
            cluster.stop(standby);
            await("relay-0 active again").atMost(Duration.ofMinutes(1))
                    .until(() -> cluster.relayRole("relay-0").equals(Optional.of("active")));
        }
    }
}
