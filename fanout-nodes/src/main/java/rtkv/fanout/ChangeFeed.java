package rtkv.fanout;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import rtkv.schema.ChangeEvent;
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

    private void run() {
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
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                LOG.info("Kafka at {} does not answer yet", config.kafkaBootstrap());
            }
            Thread.sleep(backoff);
            backoff = Math.min(backoff * 2, 5_000);
        }
        throw new WakeupException();
    }

    private void poll() throws InterruptedException {
        try {
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                Set<Subscriber> watching = subscribers.of(record.key());
                if (watching.isEmpty()) {
                    continue;
                }
                String frame = frameOf(record);
                if (frame != null) {
                    for (Subscriber subscriber : watching) {
                        subscriber.deliver(frame);
                    }
                }
            }
        } catch (WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            LOG.warn("polling {} failed, retrying: {}", config.topic(), e.toString());
            Thread.sleep(500);
        }
    }

    private static String frameOf(ConsumerRecord<String, byte[]> record) {
        try {
            ChangeEvent event = ChangeEventJson.read(record.value());
            return Frames.change(event);
        } catch (IllegalArgumentException e) {
            LOG.error("skipping an unreadable change at {}-{}@{}: {}", record.topic(), record.partition(), record.offset(),
                    e.getMessage());
            return null;
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
