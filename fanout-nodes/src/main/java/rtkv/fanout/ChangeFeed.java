package rtkv.fanout;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import rtkv.schema.ChangeEventJson;

/**
 * Reads every partition of the change topic from the end, on one thread, and hands each change to the
 * subscribers of its table. A change nobody watches is skipped without being parsed; a watched one is
 * turned into a frame once, whatever the number of subscribers. Ready once positioned on every partition.
 */
final class ChangeFeed implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ChangeFeed.class);

    private final FanoutConfig config;
    private final Subscribers subscribers;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread thread;
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private volatile boolean running = true;
    private volatile boolean ready;

    ChangeFeed(FanoutConfig config, Subscribers subscribers) {
        this.config = config;
        this.subscribers = subscribers;
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

    void start() {
        thread.start();
    }

    boolean isReady() {
        return ready && thread.isAlive();
    }

    /** Completes when the feed has stopped: normally after {@link #close()}, exceptionally when it failed. */
    CompletableFuture<Void> ended() {
        return ended;
    }

    private void run() {
        try {
            follow();
            ended.complete(null);
        } catch (Throwable e) {
            LOG.error("the change feed failed; this node can no longer deliver changes", e);
            ended.completeExceptionally(e);
        }
    }

    private void follow() throws InterruptedException {
        try {
            List<TopicPartition> partitions = awaitTopic();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position); // resolve the end offsets now, not at the first poll
            ready = true;
            LOG.info("reading {} partitions of {}", partitions.size(), config.topic());
            while (running) {
                poll();
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } finally {
            ready = false;
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private List<TopicPartition> awaitTopic() throws InterruptedException {
        long backoff = 100;
        while (running) {
            try {
                List<TopicPartition> partitions = consumer.partitionsFor(config.topic(), Duration.ofSeconds(5)).stream()
                        .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
                if (!partitions.isEmpty()) {
                    return partitions;
                }
                LOG.info("topic {} does not exist yet; the relays create it", config.topic());
            } catch (RetriableException e) {
                LOG.info("Kafka at {} does not answer yet: {}", config.kafkaBootstrap(), e.toString());
            }
            Thread.sleep(backoff);
            backoff = Math.min(backoff * 2, 5_000);
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
            if (record.key() == null || record.value() == null) {
                LOG.warn("skipping a record without table or event at {}", position(record));
                continue;
            }
            Set<Subscriber> watching = subscribers.of(record.key());
            if (!watching.isEmpty()) {
                deliver(record, watching);
            }
        }
    }

    private static void deliver(ConsumerRecord<String, byte[]> record, Set<Subscriber> watching) {
        String frame;
        try {
            frame = Frames.change(ChangeEventJson.read(record.value()));
        } catch (IllegalArgumentException e) {
            LOG.error("skipping an unreadable change at {}: {}", position(record), e.getMessage());
            return;
        }
        for (Subscriber subscriber : watching) {
            try {
                subscriber.deliver(frame);
            } catch (RuntimeException e) {
                // One broken connection must not cost the others this change.
                LOG.warn("delivering {} to a subscriber of {} failed: {}", position(record), record.key(), e.toString());
            }
        }
    }

    private static String position(ConsumerRecord<String, byte[]> record) {
        return record.topic() + "-" + record.partition() + "@" + record.offset();
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
