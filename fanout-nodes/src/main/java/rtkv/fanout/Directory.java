package rtkv.fanout;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which fanout node owns which partition, as the consumer group says: each member's client id carries
 * the URL subscribers reach it at ({@link ChangeFeed#CLIENT_ID_PREFIX}). Read from Kafka every
 * {@code refreshMillis}, so a node can send a subscriber to the owner of its table; after a rebalance
 * the answer may lag for that long, and the owner it names sends the subscriber on again if it has to.
 *
 * <p>Each round also looks at the topic's id. A topic deleted, or deleted and created again, while the
 * node runs makes every offset it holds and every resume token it gave out meaningless: it is told
 * ({@link #watchTopic}), within a round, and stops rather than serve positions of a topic that is gone.
 */
final class Directory implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Directory.class);

    private final FanoutConfig config;
    private final Admin admin;
    private final ScheduledExecutorService refresher =
            Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "fanout-directory"));
    private volatile Map<Integer, String> owners = Map.of();
    private volatile String topicId;
    private volatile Consumer<String> onTopicGone = reason -> { };
    private boolean closed;

    Directory(FanoutConfig config, long refreshMillis) {
        this.config = config;
        Properties p = config.kafka().clientProperties();
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "rtkv-fanout-directory");
        this.admin = Admin.create(p);
        refresher.scheduleWithFixedDelay(this::refresh, 0, refreshMillis, TimeUnit.MILLISECONDS);
    }

    /** The URL of the node that owns the partition, as last read; empty while nobody does. */
    Optional<String> ownerOf(int partition) {
        return Optional.ofNullable(owners.get(partition));
    }

    /** From now on, {@code onGone} is told once the topic's id is no longer {@code id}. */
    void watchTopic(String id, Consumer<String> onGone) {
        this.onTopicGone = onGone;
        this.topicId = id;
    }

    private void refresh() {
        checkTopic();
        try {
            ConsumerGroupDescription group = admin.describeConsumerGroups(Set.of(config.group())).all()
                    .get(10, TimeUnit.SECONDS).get(config.group());
            Map<Integer, String> next = new HashMap<>();
            for (MemberDescription member : group.members()) {
                if (!member.clientId().startsWith(ChangeFeed.CLIENT_ID_PREFIX)) {
                    continue;
                }
                String url = member.clientId().substring(ChangeFeed.CLIENT_ID_PREFIX.length());
                for (TopicPartition partition : member.assignment().topicPartitions()) {
                    if (partition.topic().equals(config.topic())) {
                        next.put(partition.partition(), url);
                    }
                }
            }
            owners = Map.copyOf(next);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("cannot read the members of group {}: {}", config.group(), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // A failed round must not end the schedule; the next one looks again.
            LOG.error("reading the members of group {} failed", config.group(), e);
        }
    }

    private void checkTopic() {
        String expected = topicId;
        if (expected == null) {
            return;
        }
        try {
            String id = admin.describeTopics(Set.of(config.topic())).allTopicNames().get(10, TimeUnit.SECONDS)
                    .get(config.topic()).topicId().toString();
            if (!id.equals(expected)) {
                gone("topic " + config.topic() + " was created again (its id was " + expected + ", it is " + id + ")");
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                gone("topic " + config.topic() + " was deleted");
            } else {
                LOG.warn("cannot look at topic {}: {}", config.topic(), e.toString());
            }
        } catch (TimeoutException e) {
            LOG.warn("cannot look at topic {}: {}", config.topic(), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void gone(String reason) {
        topicId = null;
        onTopicGone.accept(reason);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        refresher.shutdownNow();
        // Bounded: a describe still waiting on an unreachable Kafka must not hold up the node's shutdown.
        admin.close(Duration.ofSeconds(2));
    }
}
