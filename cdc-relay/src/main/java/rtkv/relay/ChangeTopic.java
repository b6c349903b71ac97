package rtkv.relay;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates topic rtkv.changes with its settings when it does not exist; every relay may try. */
final class ChangeTopic {

    private static final Logger LOG = LoggerFactory.getLogger(ChangeTopic.class);
    private static final Duration GIVE_UP_AFTER = Duration.ofMinutes(2);

    private ChangeTopic() {
    }

    static void ensure(Admin admin, RelayConfig config, Clock clock, BooleanSupplier stopping) throws InterruptedException {
        NewTopic topic = new NewTopic(config.topic(), config.partitions(), config.replicationFactor()).configs(Map.of(
                // With replication 3, an acknowledged change survives the loss of one broker.
                TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(Math.min(2, config.replicationFactor())),
                TopicConfig.RETENTION_MS_CONFIG, Long.toString(Duration.ofDays(7).toMillis()),
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE));
        Instant giveUp = clock.instant().plus(GIVE_UP_AFTER);
        long backoffMillis = 200;
        while (!stopping.getAsBoolean()) {
            try {
                admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
                LOG.info("created topic {} with {} partitions, replication {}", config.topic(), config.partitions(),
                        config.replicationFactor());
                return;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof TopicExistsException) {
                    warnOnDifferentPartitions(admin, config);
                    return;
                }
                if (!(e.getCause() instanceof RetriableException) || clock.instant().isAfter(giveUp)) {
                    throw new RelayException("cdc-relay shard " + config.shardId() + ": cannot create topic "
                            + config.topic(), e.getCause());
                }
                LOG.info("Kafka not ready to create {} yet ({}); retrying", config.topic(), e.getCause().toString());
            } catch (java.util.concurrent.TimeoutException e) {
                if (clock.instant().isAfter(giveUp)) {
                    throw new RelayException("cdc-relay shard " + config.shardId() + ": Kafka did not answer", e);
                }
            }
            Thread.sleep(backoffMillis);
            backoffMillis = Math.min(backoffMillis * 2, 5_000);
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
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.warn("cannot describe topic {}: {}", config.topic(), e.toString());
        }
    }
}
