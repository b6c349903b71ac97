package rtkv.relay;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the topics a relay needs when they do not exist; every relay may try. The change topic,
 * the saved binlog positions of every shard, and this shard's schema history. All get the configured
 * replication and {@code min.insync.replicas} 2 (when there are that many replicas), so that a write
 * Kafka acknowledged survives the loss of a broker, and Kafka refuses writes, rather than keep them on
 * one broker only, while too few replicas are in sync.
 */
final class RelayTopics {

    private static final Logger LOG = LoggerFactory.getLogger(RelayTopics.class);
    private static final Duration GIVE_UP_AFTER = Duration.ofMinutes(2);

    private RelayTopics() {
    }

    static void ensure(Admin admin, RelayConfig config, Clock clock, BooleanSupplier stopping) throws InterruptedException {
        String minInSync = Integer.toString(Math.min(2, config.replicationFactor()));
        List<NewTopic> topics = List.of(
                new NewTopic(config.topic(), config.partitions(), config.replicationFactor()).configs(Map.of(
                        TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minInSync,
                        TopicConfig.RETENTION_MS_CONFIG, Long.toString(Duration.ofDays(7).toMillis()),
                        TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE)),
                // Kafka Connect's layout for offsets: compacted, the newest position of each shard kept.
                new NewTopic(config.offsetsTopic(), 1, config.replicationFactor()).configs(Map.of(
                        TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minInSync,
                        TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)),
                // Debezium needs the whole history, in one partition, to rebuild the table definitions.
                new NewTopic(config.schemaHistoryTopic(), 1, config.replicationFactor()).configs(Map.of(
                        TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minInSync,
                        TopicConfig.RETENTION_MS_CONFIG, "-1",
                        TopicConfig.RETENTION_BYTES_CONFIG, "-1",
                        TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE)));
        Instant giveUp = clock.instant().plus(GIVE_UP_AFTER);
        long backoffMillis = 200;
        List<NewTopic> missing = new ArrayList<>(topics);
        while (!stopping.getAsBoolean()) {
            Map<String, KafkaFuture<Void>> results = admin.createTopics(missing).values();
            List<NewTopic> retry = new ArrayList<>();
            for (NewTopic topic : missing) {
                if (!created(results.get(topic.name()), topic, config, clock.instant().isAfter(giveUp))) {
                    retry.add(topic);
                }
            }
            if (retry.isEmpty()) {
                warnOnDifferentPartitions(admin, config);
                return;
            }
            missing = retry;
            Thread.sleep(backoffMillis);
            backoffMillis = Math.min(backoffMillis * 2, 5_000);
        }
    }

    /** True once the topic exists; false to retry; throws on an error that retrying will not mend. */
    private static boolean created(KafkaFuture<Void> result, NewTopic topic, RelayConfig config, boolean late)
            throws InterruptedException {
        try {
            result.get(30, TimeUnit.SECONDS);
            LOG.info("created topic {} with {} partitions, replication {}", topic.name(), topic.numPartitions(),
                    topic.replicationFactor());
            return true;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TopicExistsException) {
                return true;
            }
            if (!(e.getCause() instanceof RetriableException) || late) {
                throw new RelayException("cdc-relay shard " + config.shardId() + ": cannot create topic "
                        + topic.name(), e.getCause());
            }
            LOG.info("Kafka not ready to create {} yet ({}); retrying", topic.name(), e.getCause().toString());
            return false;
        } catch (TimeoutException e) {
            if (late) {
                throw new RelayException("cdc-relay shard " + config.shardId() + ": Kafka did not answer", e);
            }
            return false;
        }
    }

    private static void warnOnDifferentPartitions(Admin admin, RelayConfig config) throws InterruptedException {
        try {
            TopicDescription description = admin.describeTopics(Set.of(config.topic())).allTopicNames()
                    .get(30, TimeUnit.SECONDS).get(config.topic());
            if (description.partitions().size() != config.partitions()) {
                LOG.warn("topic {} has {} partitions, not the configured {}; the existing count is kept",
                        config.topic(), description.partitions().size(), config.partitions());
            }
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("cannot describe topic {}: {}", config.topic(), e.toString());
        }
    }
}
