package rtkv.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import rtkv.infra.LocalCluster;

/**
 * Issue 8's fault 3, on the shared cluster's three brokers: the change topic has replication 3 and
 * {@code min.insync.replicas} 2. One broker SIGKILLed under writes: the stream goes on; restarted, it
 * catches up. Then two at once: writes still commit in MySQL (api-service never waits for Kafka), the
 * stream stops (no change can reach two replicas, and the controller quorum is lost), the relays'
 * sends wait rather than drop anything, and every change appears once the brokers are back. The subscribers' history passes the {@link HistoryChecker}.
 */
@ExtendWith(E2eCluster.class)
class KafkaBrokerLossIT {

    @Test
    void losingOneBrokerLosesNothingAndLosingTwoOnlyDelaysTheStream() throws Exception {
        LocalCluster cluster = E2eCluster.cluster();
        assertEquals(3, cluster.layout().kafkaBrokers());
        assertTopicReplicatedThreeTimesWithTwoInSync(cluster);
        // A table on each shard, so both relays live through it; each its own history for the checker.
        History onShard0 = new History();
        History onShard1 = new History();
        String table0 = E2eCluster.tableOnShard(0);
        String table1 = E2eCluster.tableOnShard(1);
        try (RecordedSubscribers first = RecordedSubscribers.open(onShard0, table0, 2);
             RecordedSubscribers second = RecordedSubscribers.open(onShard1, table1, 2);
             RecordedWriter other = RecordedWriter.start(onShard1, List.of(table1), 8, 5)) {
            try (RecordedWriter writer = RecordedWriter.start(onShard0, List.of(table0), 8, 5)) {
                writer.awaitMore("writes acknowledged", 30, Duration.ofSeconds(30));

                long beforeOneDown = applied(onShard0);
                cluster.kill("kafka-2");
                await("the stream goes on with one broker down").atMost(Duration.ofMinutes(1))
                        .until(() -> applied(onShard0) > beforeOneDown + 30);
                cluster.restart("kafka-2");
                await("every replica in sync again").atMost(Duration.ofMinutes(2)).until(() -> allInSync(cluster));
                writer.awaitMore("writes with the broker back", 30, Duration.ofSeconds(30));

                cluster.kill("kafka-2");
                cluster.kill("kafka-3");
                long atOutage = writer.acknowledged();
                writer.awaitMore("writes committed in MySQL with two brokers down", 50, Duration.ofSeconds(30));
                // Nothing can be acknowledged by two replicas: the stream stopped, nothing was dropped.
                long streamed = applied(onShard0);
                assertTrue(streamed < writer.acknowledged() - 20, "changes kept streaming with two brokers down: "
                        + streamed + " applied of " + writer.acknowledged() + " written (" + atOutage + " at the kill)");
                cluster.restart("kafka-2");
                cluster.restart("kafka-3");
                writer.awaitMore("writes with every broker back", 30, Duration.ofSeconds(60));
                other.awaitMore("writes to the other shard's table", 30, Duration.ofSeconds(30));
            }
            other.close();
            first.assertConvergedAndChecked();
            second.assertConvergedAndChecked();
        }
        assertEveryPartitionStreamsFromEveryShard(cluster);
        assertTrue(cluster.runningParts().containsAll(List.of("kafka", "kafka-2", "kafka-3", "relay-0", "relay-1")));
    }

    /**
     * Not only the tables the test wrote: after brokers fail, a relay's producer can be left stuck on
     * one partition (OUT_OF_ORDER_SEQUENCE_NUMBER, retried for minutes), which the relay must notice
     * and get over. A change to a table on each partition from each shard reaches the log within a
     * minute: the relays' ack timeout (30 s), a new run's start, and room for the machine's load.
     */
    private static void assertEveryPartitionStreamsFromEveryShard(LocalCluster cluster) {
        Set<String> tables = new HashSet<>();
        for (int shard = 0; shard < E2eCluster.SHARDS.shardCount(); shard++) {
            for (int partition = 0; partition < cluster.layout().partitions(); partition++) {
                tables.add(tableOn(shard, partition, cluster.layout().partitions()));
            }
        }
        Api api = E2eCluster.api();
        Set<String> missing = KafkaLog.missingAfter(cluster.kafkaBootstrap(), tables,
                () -> tables.forEach(table -> assertEquals(200, api.put(table, "probe", "1").status())), Duration.ofMinutes(1));
        assertEquals(Set.of(), missing, "tables whose change never reached the log, of one per partition and shard");
    }

    private static String tableOn(int shard, int partition, int partitions) {
        String prefix = "e2e-probe-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        for (int i = 0; ; i++) {
            String table = prefix + i;
            if (E2eCluster.SHARDS.shardOf(table) == shard
                    && Utils.toPositive(Utils.murmur2(table.getBytes(StandardCharsets.UTF_8))) % partitions == partition) {
                return table;
            }
        }
    }

    /** How many changes the first subscriber of the history has applied so far. */
    private static long applied(History history) {
        return history.subscribers().get(0).events().stream().filter(e -> e instanceof History.Applied).count();
    }

    private static boolean allInSync(LocalCluster cluster) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.kafkaBootstrap()))) {
            TopicDescription topic = admin.describeTopics(Set.of(KafkaLog.TOPIC)).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get(KafkaLog.TOPIC);
            return topic.partitions().stream().allMatch(p -> p.isr().size() == 3);
        }
    }

    private static void assertTopicReplicatedThreeTimesWithTwoInSync(LocalCluster cluster) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.kafkaBootstrap()))) {
            TopicDescription topic = admin.describeTopics(Set.of(KafkaLog.TOPIC)).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get(KafkaLog.TOPIC);
            assertTrue(topic.partitions().stream().allMatch(p -> p.replicas().size() == 3), "replication 3: " + topic);
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, KafkaLog.TOPIC);
            Config config = admin.describeConfigs(Set.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource);
            assertEquals("2", config.get("min.insync.replicas").value());
        }
    }
}
