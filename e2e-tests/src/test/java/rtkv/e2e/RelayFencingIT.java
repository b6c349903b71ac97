package rtkv.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import rtkv.infra.LocalCluster;
import rtkv.schema.ChangeEvent;

/**
 * Issue 20's hole 3: a relay that lost its lease without knowing it. Stopped (SIGSTOP) past its lease
 * under writes, the standby takes over; woken again (SIGCONT), the old relay neither publishes nor
 * takes its binlog connection back: the handover does not flap. Stopped by a fault hook right after a
 * send, its transaction open, or right after a commit, before its binlog position is saved, the next
 * relay fences it or skips what committed. Each time a read_committed consumer of the topic sees every
 * binlog event once, and the subscribers' history passes the {@link HistoryChecker}.
 */
@ExtendWith(E2eCluster.class)
class RelayFencingIT {

    private static final Duration TAKEOVER = Duration.ofSeconds(30);

    @Test
    void aRelayStoppedPastItsLeaseIsFencedAndTheHandoverDoesNotFlap() throws Exception {
        LocalCluster cluster = E2eCluster.cluster();
        String table = E2eCluster.tableOnShard(0);
        History history = new History();
        String standby = cluster.startRelayStandby(0, E2eCluster.freePort());
        ConcurrentLinkedQueue<String> flaps = new ConcurrentLinkedQueue<>();
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        long pid = cluster.process("relay-0").orElseThrow().pid();
        try (RecordedSubscribers subscribers = RecordedSubscribers.open(history, table, 3)) {
            try (RecordedWriter writer = RecordedWriter.start(history, List.of(table), 8, 11)) {
                writer.awaitMore("writes acknowledged", 30, Duration.ofSeconds(30));
                signal("STOP", pid);
                await("the standby takes over").atMost(TAKEOVER)
                        .until(() -> cluster.relayRole(standby).equals(Optional.of("active")));
                writer.awaitMore("writes after the takeover", 30, Duration.ofSeconds(30));
                sampler.scheduleWithFixedDelay(() -> {
                    if (!cluster.relayRole(standby).equals(Optional.of("active"))) {
                        flaps.add("the standby was " + cluster.relayRole(standby) + " at " + System.currentTimeMillis());
                    }
                    if (cluster.relayRole("relay-0").equals(Optional.of("active"))) {
                        flaps.add("the woken relay was active at " + System.currentTimeMillis());
                    }
                }, 0, 100, TimeUnit.MILLISECONDS);
                signal("CONT", pid);
                await("the woken relay waits as the standby").atMost(TAKEOVER)
                        .until(() -> cluster.relayRole("relay-0").equals(Optional.of("standby")));
                // Two lease terms with both relays awake and writes going on: the one that took over keeps it.
                await("the one that took over keeps the shard").during(Duration.ofSeconds(20)).atMost(Duration.ofSeconds(30))
                        .until(() -> cluster.relayRole(standby).equals(Optional.of("active")));
                writer.awaitMore("writes after the old relay woke", 60, Duration.ofSeconds(60));
                sampler.shutdownNow();
            }
            assertEquals(List.of(), List.copyOf(flaps), "the handover flapped");
            await("every acknowledged write in the log").atMost(Duration.ofMinutes(1))
                    .untilAsserted(() -> assertEachBinlogEventOnce(cluster, table, history));
            subscribers.assertConvergedAndChecked();
        } finally {
            sampler.shutdownNow();
            signal("CONT", pid);
            cluster.stop(standby);
            await("relay-0 active again").atMost(Duration.ofMinutes(1))
                    .until(() -> cluster.relayRole("relay-0").equals(Optional.of("active")));
        }
    }

    @Test
    void aRelayHaltedAfterASendOrACommitLeavesEachChangeInTheLogOnce() throws Exception {
        LocalCluster cluster = E2eCluster.cluster();
        String table = E2eCluster.tableOnShard(0);
        History history = new History();
        try (RecordedSubscribers subscribers = RecordedSubscribers.open(history, table, 2);
             RecordedWriter writer = RecordedWriter.start(history, List.of(table), 8, 13)) {
            for (String fault : List.of("halt-after-sends:25", "halt-after-commits:10")) {
                String faulty = cluster.startRelayStandby(0, E2eCluster.freePort(), fault.replaceAll("[^a-z]", ""),
                        Map.of("RTKV_RELAY_FAULT", fault));
                writer.awaitMore("writes before the takeover", 20, Duration.ofSeconds(30));
                cluster.kill("relay-0");
                await(faulty + " halts at its fault").atMost(Duration.ofMinutes(1))
                        .until(() -> !cluster.runningParts().contains(faulty));
                cluster.restart("relay-0");
                await("relay-0 takes over").atMost(TAKEOVER)
                        .until(() -> cluster.relayRole("relay-0").equals(Optional.of("active")));
                writer.awaitMore("writes after " + fault, 30, Duration.ofSeconds(30));
                cluster.stop(faulty);
            }
            writer.close();
            await("every acknowledged write in the log").atMost(Duration.ofMinutes(1))
                    .untilAsserted(() -> assertEachBinlogEventOnce(cluster, table, history));
            subscribers.assertConvergedAndChecked();
        } finally {
            await("relay-0 active").atMost(Duration.ofMinutes(1))
                    .until(() -> cluster.relayRole("relay-0").equals(Optional.of("active")));
        }
    }

    /** Every change of the table once in the log, read as committed, and every acknowledged write among them. */
    private static void assertEachBinlogEventOnce(LocalCluster cluster, String table, History history) {
        List<ChangeEvent> logged = KafkaLog.changesOf(cluster.kafkaBootstrap(), table);
        Map<String, Long> counts = logged.stream().collect(Collectors.groupingBy(
                e -> e.shard() + "/" + e.seq() + " " + e.key() + "@" + e.version(), Collectors.counting()));
        assertEquals(Map.of(), counts.entrySet().stream().filter(c -> c.getValue() > 1)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)), "events published more than once");
        Map<String, ChangeEvent> byVersion = logged.stream()
                .collect(Collectors.toMap(e -> e.key() + "@" + e.version(), Function.identity(), (a, b) -> a));
        List<String> missing = history.writes().stream().map(w -> w.key() + "@" + w.version())
                .filter(id -> !byVersion.containsKey(id)).toList();
        assertEquals(List.of(), missing, "acknowledged writes missing from the log");
        assertTrue(logged.size() >= history.writes().size(), logged.size() + " changes logged");
    }

    private static void signal(String signal, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS));
    }
}
