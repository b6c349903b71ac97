package rtkv.fanout;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Finds the change topic at start-up: the relays create it, so a node may start before it exists. */
final class TopicLookup {

    private static final Logger LOG = LoggerFactory.getLogger(TopicLookup.class);

    /** The topic's id and its partitions in order. */
    record Found(String id, List<TopicPartition> partitions) {
    }

    private TopicLookup() {
    }

    /** Asks until the topic exists, with backoff; empty once {@code running} says to give up. */
    static Optional<Found> await(FanoutConfig config, BooleanSupplier running) throws InterruptedException {
        Properties p = config.kafka().clientProperties();
        long backoff = 100;
        try (Admin admin = Admin.create(p)) {
            while (running.getAsBoolean()) {
                try {
                    var description = admin.describeTopics(Set.of(config.topic())).allTopicNames()
                            .get(10, TimeUnit.SECONDS).get(config.topic());
                    return Optional.of(new Found(description.topicId().toString(), description.partitions().stream()
                            .map(info -> new TopicPartition(config.topic(), info.partition())).toList()));
                } catch (ExecutionException | TimeoutException e) {
                    LOG.info("topic {} is not there yet (the relays create it): {}", config.topic(), e.toString());
                }
                Thread.sleep(backoff);
                backoff = Math.min(backoff * 2, 5_000);
            }
            return Optional.empty();
        }
    }
}
