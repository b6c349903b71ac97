package rtkv.fanout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLongArray;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import rtkv.schema.ChangeEvent;
import rtkv.schema.ChangeEventJson;

/**
 * Reads every partition of the change topic from the end, on one thread, and hands each change to its
 * table's state on this node. A change of a table nobody here watches is skipped without being parsed.
 * Ready once positioned on every partition.
 */
final class ChangeFeed implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ChangeFeed.class);

    private final FanoutConfig config;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread thread;
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private final CompletableFuture<Void> positioned = new CompletableFuture<>();
    private volatile Tables tables;
    private volatile AtomicLongArray processedThrough = new AtomicLongArray(0);
    private volatile String topicTag;
    private volatile boolean running = true;

    ChangeFeed(FanoutConfig config) {
        this.config = config;
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafkaBootstrap());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "rtkv-fanout");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // Only committed records: the relay's producer is idempotent, never transactional, but a
        // consumer that may one day read transactional producers must not see aborted ones.
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        this.thread = new Thread(this::run, "fanout-feed");
    }

    void start(Tables tables) {
        this.tables = tables;
        thread.start();
    }

    /** Completes once the feed knows its position on every partition and the topic's id. */
    CompletableFuture<Void> positioned() {
        return positioned;
    }

    boolean isReady() {
        return positioned.isDone() && !positioned.isCompletedExceptionally() && thread.isAlive();
    }

    /** Completes when the feed has stopped: normally after {@link #close()}, exceptionally when it failed. */
    CompletableFuture<Void> ended() {
        return ended;
    }

    /** The partition Kafka's default partitioner puts a table's changes in (murmur2 of the record key). */
    int partitionOf(String table) {
        return Utils.toPositive(Utils.murmur2(table.getBytes(StandardCharsets.UTF_8))) % processedThrough.length();
    }

    /** The offset of the last record of the partition handed to the tables; -1 before the first. */
    long processedThrough(int partition) {
        return processedThrough.get(partition);
    }

    /** Short form of the topic's id, part of every resume token. */
    String topicTag() {
        return topicTag;
    }

    private void run() {
        try {
            follow();
            ended.complete(null);
        } catch (Throwable e) {
            LOG.error("the change feed failed; this node can no longer deliver changes", e);
            positioned.completeExceptionally(e);
            ended.completeExceptionally(e);
        }
    }

    private void follow() throws InterruptedException {
        try {
            List<TopicPartition> partitions = awaitTopic();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            AtomicLongArray positions = new AtomicLongArray(partitions.size());
            for (TopicPartition partition : partitions) {
                positions.set(partition.partition(), consumer.position(partition) - 1);
            }
            processedThrough = positions;
            positioned.complete(null);
            LOG.info("reading {} partitions of {}", partitions.size(), config.topic());
            while (running) {
                poll();
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private List<TopicPartition> awaitTopic() throws InterruptedException {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafkaBootstrap());
        long backoff = 100;
        try (Admin admin = Admin.create(p)) {
            while (running) {
                try {
                    var description = admin.describeTopics(Set.of(config.topic())).allTopicNames()
                            .get(10, TimeUnit.SECONDS).get(config.topic());
                    topicTag = description.topicId().toString().substring(0, 8);
                    return description.partitions().stream()
                            .map(info -> new TopicPartition(config.topic(), info.partition())).toList();
                } catch (ExecutionException | TimeoutException e) {
                    LOG.info("topic {} is not there yet (the relays create it): {}", config.topic(), e.toString());
                }
                Thread.sleep(backoff);
                backoff = Math.min(backoff * 2, 5_000);
            }
        }
        throw new WakeupException();
    }

    private void poll() throws InterruptedException {
        ConsumerRecords<String, byte[]> records;
        try {
            records = consumer.poll(Duration.ofMillis(500));
        } catch (RetriableException e) {
            LOG.warn("polling {} failed, retrying: {}", config.topic(), e.toString());
            Thread.sleep(500);
            return;
        }
        for (ConsumerRecord<String, byte[]> record : records) {
            TableState state = record.key() == null ? null : tables.get(record.key());
            if (state != null) {
                deliver(state, record);
            }
            processedThrough.set(record.partition(), record.offset());
        }
    }

    private void deliver(TableState state, ConsumerRecord<String, byte[]> record) {
        ChangeEvent event;
        try {
            event = ChangeEventJson.read(record.value());
        } catch (IllegalArgumentException | NullPointerException e) {
            // Skipping it would be a silent gap for the table's subscribers: they resync instead.
            LOG.error("an unreadable change of watched table {} at {}-{}@{}: {}; its subscribers resync", state.table(),
                    record.topic(), record.partition(), record.offset(), e.getMessage());
            tables.drop(state);
            return;
        }
        try {
            state.onChange(event, record.offset());
        } catch (RuntimeException e) {
            // The table's state can no longer be trusted; its subscribers reconnect and resume, the
            // feed and every other table go on.
            LOG.error("dropping the state of table {} after a failure at {}-{}@{}", state.table(), record.topic(),
                    record.partition(), record.offset(), e);
            tables.drop(state);
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
