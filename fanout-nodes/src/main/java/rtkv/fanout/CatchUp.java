package rtkv.fanout;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import rtkv.schema.ChangeEvent;
import rtkv.schema.ChangeEventJson;
import rtkv.schema.GapMarker;

/**
 * Resumes a subscriber from its token: replays its table's changes after the token's offset straight
 * from Kafka, then attaches it to the live stream at the exact point the replay reached. When the log
 * no longer holds what follows the token, or the token does not fit, the subscriber is told
 * {@code resync} and gets a fresh snapshot instead: never a silent gap.
 */
final class CatchUp implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CatchUp.class);
    private static final Duration POLL = Duration.ofMillis(100);

    private final FanoutConfig config;
    private final String topicTag;
    private final Clock clock;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> new Thread(r, "fanout-catch-up"));

    private final FanoutMetrics metrics;

    CatchUp(FanoutConfig config, String topicTag, FanoutMetrics metrics, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.metrics = metrics;
        this.topicTag = topicTag;
    }

    /** {@code text} is the subscriber's resume parameter; the subscriber is already admitted to {@code state}. */
    void resume(Subscriber subscriber, TableState state, String text) {
        Token token = Token.parse(text, topicTag).orElse(null);
        if (token == null || token.partition() != state.partition() || token.shard() != state.shard()) {
            resync(subscriber, state, FanoutMetrics.Resync.FOREIGN_TOKEN, "the resume token does not belong to this table on this cluster");
            return;
        }
        threads.execute(() -> replay(subscriber, state, token, text));
    }

    private void replay(Subscriber subscriber, TableState state, Token token, String text) {
        TopicPartition partition = new TopicPartition(config.topic(), token.partition());
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(properties(), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.assign(List.of(partition));
            long first = consumer.beginningOffsets(List.of(partition)).get(partition);
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            long from = token.offset() + 1;
            if (from < first) {
                resync(subscriber, state, FanoutMetrics.Resync.LOG_TRUNCATED, "the log no longer holds the changes after the resume token");
                return;
            }
            if (from > end) {
                resync(subscriber, state, FanoutMetrics.Resync.TOKEN_AHEAD, "the resume token is ahead of the log");
                return;
            }
            subscriber.holdsUpTo(token.shard(), token.covered());
            subscriber.send(Frames.resumed(text));
            // What the subscriber was sent, as far as the replay can tell: only newer changes pass. The
            // change the token is at comes first, so a copy of it later in the log is not sent again.
            KeyVersions sent = new KeyVersions(token.shard(), token.covered());
            consumer.seek(partition, token.offset() >= first ? token.offset() : from);
            // The first record after the token older than the tombstone horizon: a key deleted since may have
            // been removed for good and written anew, and the log cannot show whether its version went on.
            boolean aged = false;
            // Changes read past what this node has handed out wait here: once attached, the node sends
            // those itself, and sending them now as well would send them twice.
            Deque<TableState.Replayed> ahead = new ArrayDeque<>();
            while (!subscriber.isClosed()) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
                    if (record.offset() <= token.offset()) {
                        ChangeEvent had = state.table().equals(record.key()) ? readable(record) : null;
                        if (had != null) {
                            sent.offer(had);
                        }
                        continue;
                    }
                    if (!aged && record.timestamp() < clock.millis() - config.tombstoneSeconds() * 1000L) {
                        resync(subscriber, state, FanoutMetrics.Resync.TOO_OLD, "the resume token is older than the "
                                + config.tombstoneSeconds() + " s deleted keys are kept for");
                        return;
                    }
                    aged = true;
                    Optional<GapMarker> gap = GapMarker.of(record.key(), record.value());
                    if (gap.isPresent() && gap.get().shard() == state.shard()) {
                        resync(subscriber, state, FanoutMetrics.Resync.GAP, "changes after the resume token are missing: " + gap.get().reason());
                        return;
                    }
                    if (state.table().equals(record.key())) {
                        ChangeEvent event = readable(record);
                        if (event == null) {
                            resync(subscriber, state, FanoutMetrics.Resync.UNREADABLE, "a change after the resume token cannot be read");
                            return;
                        }
                        if (sent.offer(event)) {
                            ahead.add(new TableState.Replayed(record.offset(), Frames.change(event, new Token(
                                    token.partition(), record.offset(), event.shard(), event.seq() - 1).encode(topicTag))));
                        }
                    }
                }
                long handedOut = state.processedThrough();
                while (!ahead.isEmpty() && ahead.peek().offset() <= handedOut) {
                    subscriber.send(ahead.poll().frame());
                }
                awaitRoom(subscriber);
                TableState.Phase phase = state.phase();
                if (state.wasMoved()) {
                    subscriber.moved(null, "table " + state.table() + " moved to another node; resume there");
                    return;
                }
                if (phase == TableState.Phase.FAILED || phase == TableState.Phase.CLOSED) {
                    subscriber.refuse(1011, "unavailable", "the table's state was dropped; reconnect");
                    return;
                }
                if (state.attach(subscriber, consumer.position(partition) - 1, ahead, token.offset())) {
                    return;
                }
            }
        } catch (OffsetOutOfRangeException e) {
            resync(subscriber, state, FanoutMetrics.Resync.LOG_TRUNCATED, "the log no longer holds the changes after the resume token");
        } catch (KafkaException e) {
            LOG.atWarn().addKeyValue("table", state.table())
                    .log("resuming a subscriber of {} failed: {}", state.table(), e.toString());
            subscriber.refuse(1011, "unavailable", "resuming failed; reconnect");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ChangeEvent readable(ConsumerRecord<String, byte[]> record) {
        try {
            return ChangeEventJson.read(record.value());
        } catch (IllegalArgumentException | NullPointerException e) {
            LOG.error("an unreadable change at {}-{}@{}: {}", record.topic(), record.partition(), record.offset(),
                    e.getMessage());
            return null;
        }
    }

    /** A replay as fast as Kafka reads would overrun a slow client; it waits for the socket instead. */
    private void awaitRoom(Subscriber subscriber) throws InterruptedException {
        while (subscriber.pendingBytes() > config.maxPendingBytes() / 2 && !subscriber.isClosed()) {
            Thread.sleep(5);
        }
    }

    private void resync(Subscriber subscriber, TableState state, FanoutMetrics.Resync why, String reason) {
        metrics.resync(why);
        subscriber.send(Frames.resync(reason));
        state.enter(subscriber);
    }

    private Properties properties() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafkaBootstrap());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "rtkv-fanout-catch-up");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return p;
    }

    @Override
    public void close() {
        threads.shutdownNow();
        try {
            threads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
