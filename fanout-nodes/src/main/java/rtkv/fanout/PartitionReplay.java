package rtkv.fanout;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import rtkv.schema.ChangeEvent;
import rtkv.schema.ChangeEventJson;
import rtkv.schema.ErrorCode;
import rtkv.schema.GapMarker;

/**
 * Every subscriber resuming in one partition, caught up by one reader: one thread and one consumer read
 * the partition forward from the earliest token among them, and each record goes to those that have not
 * had it. A resumer that arrives with an older token moves the reader back; the others skip what they
 * have. A resumer whose socket is full is left behind rather than waited for, and picked up again on a
 * later pass, so a slow client never holds up the rest. Ends once nobody is left; the next resume in the
 * partition starts another.
 */
final class PartitionReplay {

    private static final Logger LOG = LoggerFactory.getLogger(PartitionReplay.class);
    private static final Duration POLL = Duration.ofMillis(100);

    /** A change a resuming subscriber read from Kafka and has not been sent yet. */
    record Replayed(long offset, ChangeEvent event, Encoded frame) {
    }

    /** One subscriber catching up; touched by the replay's thread only, once offered. */
    static final class Resumer {
        private final Subscriber subscriber;
        private final TableState state;
        private final Token token;
        private final String text;
        // What the replay read: only newer changes pass into ahead. The change the token is at comes
        // first, so a copy of it later in the log is not sent again.
        private final KeyVersions read;
        // What the subscriber was sent, which is less: once attached, the node sends what was read past
        // it, and a change the node's snapshot holds goes only to a resumer this says lacks it.
        private final KeyVersions sent;
        // Changes read past what this node has handed out wait here: once attached, the node sends those
        // itself, and sending them now as well would send them twice.
        private final Deque<Replayed> ahead = new ArrayDeque<>();
        private long next;
        private boolean aged;
        private boolean behind;
        private long behindSinceMillis = -1;
        private boolean done;

        Resumer(Subscriber subscriber, TableState state, Token token, String text) {
            this.subscriber = subscriber;
            this.state = state;
            this.token = token;
            this.text = text;
            this.read = new KeyVersions(token.shard(), token.covered());
            this.sent = new KeyVersions(token.shard(), token.covered());
        }

        Subscriber subscriber() {
            return subscriber;
        }

        Deque<Replayed> ahead() {
            return ahead;
        }

        KeyVersions sent() {
            return sent;
        }

        /** Sends a change it read if its key is in the subscriber's scope, and counts it as sent either way. */
        void send(Replayed replayed) {
            sent.offer(replayed.event());
            if (subscriber.scope().matches(replayed.event().key())) {
                subscriber.send(replayed.frame(), false);
            }
        }
    }

    /** A record's change and frame, made once for every resumer it goes to. */
    private final class Read {
        private final ConsumerRecord<String, byte[]> record;
        private ChangeEvent event;
        private boolean parsed;
        private Encoded frame;
        private Optional<GapMarker> gap;

        Read(ConsumerRecord<String, byte[]> record) {
            this.record = record;
        }

        ChangeEvent event() {
            if (!parsed) {
                parsed = true;
                event = readable(record);
            }
            return event;
        }

        Optional<GapMarker> gap() {
            if (gap == null) {
                gap = GapMarker.of(record.key(), record.value());
            }
            return gap;
        }

        Encoded frame() {
            if (frame == null) {
                frame = Encoded.of(Frames.change(event, new Token(partition.partition(), record.offset(), event.shard(),
                        event.seq() - 1).encode(topicTag)));
            }
            return frame;
        }
    }

    private final FanoutConfig config;
    private final TopicPartition partition;
    private final String topicTag;
    private final FanoutMetrics metrics;
    private final Clock clock;
    private final Thread thread;
    private final List<Resumer> offered = new ArrayList<>();
    private final List<Resumer> active = new ArrayList<>();
    private boolean finished;
    // Where the consumer reads next: -1 until it is positioned, or after the log was cut under it.
    private long at = -1;
    private volatile boolean running = true;
    private volatile KafkaConsumer<String, byte[]> consumer;

    PartitionReplay(FanoutConfig config, int partition, String topicTag, FanoutMetrics metrics, Clock clock) {
        this.config = config;
        this.partition = new TopicPartition(config.topic(), partition);
        this.topicTag = topicTag;
        this.metrics = metrics;
        this.clock = clock;
        this.thread = new Thread(this::run, "fanout-catch-up-" + partition);
    }

    void start() {
        thread.start();
    }

    boolean isRunning() {
        return thread.isAlive();
    }

    /** Takes a resumer, unless this replay has found nobody left and ended: then answers false. */
    synchronized boolean offer(Resumer resumer) {
        if (finished) {
            return false;
        }
        offered.add(resumer);
        return true;
    }

    private synchronized List<Resumer> takeOffered() {
        List<Resumer> taken = List.copyOf(offered);
        offered.clear();
        if (taken.isEmpty() && active.isEmpty()) {
            finished = true;
        }
        return taken;
    }

    private void run() {
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(properties(), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer = c;
            c.assign(List.of(partition));
            while (running) {
                List<Resumer> arrived = takeOffered();
                if (!arrived.isEmpty()) {
                    admit(c, arrived);
                } else if (active.isEmpty()) {
                    return;
                }
                active.removeIf(r -> r.done || r.subscriber.isClosed());
                if (!active.isEmpty()) {
                    round(c);
                }
            }
        } catch (WakeupException e) {
            // closed
        } catch (KafkaException e) {
            LOG.warn("replaying partition {} for resuming subscribers failed: {}", partition, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            List<Resumer> left = new ArrayList<>(active);
            synchronized (this) {
                finished = true;
                left.addAll(offered);
                offered.clear();
            }
            left.stream().filter(r -> !r.done).forEach(r -> r.subscriber.refuse(1011, ErrorCode.UNAVAILABLE, "resuming failed; reconnect"));
        }
    }

    /** Resumers whose tokens the log still holds start at their token; the others resync at once. */
    private void admit(KafkaConsumer<String, byte[]> c, List<Resumer> arrived) {
        long first = c.beginningOffsets(List.of(partition)).get(partition);
        long end = c.endOffsets(List.of(partition)).get(partition);
        for (Resumer r : arrived) {
            long from = r.token.offset() + 1;
            if (from < first) {
                finish(r, FanoutMetrics.Resync.LOG_TRUNCATED, "the log no longer holds the changes after the resume token");
            } else if (from > end) {
                finish(r, FanoutMetrics.Resync.TOKEN_AHEAD, "the resume token is ahead of the log");
            } else {
                r.subscriber.holdsUpTo(r.token.shard(), r.token.covered());
                r.subscriber.send(Frames.resumed(r.text));
                r.next = r.token.offset() >= first ? r.token.offset() : from;
                active.add(r);
            }
        }
    }

    /** One poll from the earliest resumer that has room, handed to everyone it concerns, then their progress. */
    private void round(KafkaConsumer<String, byte[]> c) throws InterruptedException {
        long target = Long.MAX_VALUE;
        long now = clock.millis();
        for (Resumer r : active) {
            r.behind = congested(r);
            if (!r.behind) {
                r.behindSinceMillis = -1;
                target = Math.min(target, r.next);
            } else if (r.behindSinceMillis < 0) {
                r.behindSinceMillis = now;
            } else if (now - r.behindSinceMillis > config.clientTimeoutSeconds() * 1000L) {
                // A client that reads nothing but heartbeats would be waited for as long as it lives.
                r.done = true;
                r.subscriber.cutOff();
            }
        }
        if (target == Long.MAX_VALUE) {
            // Every one of them waits for its socket: a replay as fast as Kafka reads would overrun them.
            Thread.sleep(5);
            return;
        }
        if (at != target) {
            c.seek(partition, target);
            at = target;
        }
        List<ConsumerRecord<String, byte[]>> records;
        try {
            records = c.poll(POLL).records(partition);
        } catch (OffsetOutOfRangeException e) {
            at = -1;
            long first = c.beginningOffsets(List.of(partition)).get(partition);
            active.stream().filter(r -> r.next < first).forEach(r -> finish(r, FanoutMetrics.Resync.LOG_TRUNCATED,
                    "the log no longer holds the changes after the resume token"));
            return;
        }
        for (ConsumerRecord<String, byte[]> record : records) {
            Read read = new Read(record);
            for (Resumer r : active) {
                if (!r.done && !r.behind && r.next <= record.offset()) {
                    take(r, read);
                }
            }
        }
        long position = c.position(partition);
        at = position;
        for (Resumer r : active) {
            if (!r.done && !r.behind && r.next >= target && r.next < position) {
                r.next = position; // it had every record of its table up to there
            }
            if (!r.done) {
                progress(r);
            }
        }
    }

    private boolean congested(Resumer r) {
        return r.subscriber.pendingBytes() > config.maxPendingBytes() / 2;
    }

    private void take(Resumer r, Read read) {
        ConsumerRecord<String, byte[]> record = read.record;
        boolean ofTable = r.state.table().equals(record.key());
        if (record.offset() <= r.token.offset()) {
            if (ofTable && read.event() != null) {
                r.read.offer(read.event());
                r.sent.offer(read.event());
            }
            r.next = record.offset() + 1;
            return;
        }
        if (!r.aged) {
            // The first record after the token older than the tombstone horizon: a key deleted since may
            // have been removed for good and written anew, and the log cannot show whether its version went on.
            r.aged = true;
            if (record.timestamp() < clock.millis() - config.tombstoneSeconds() * 1000L) {
                finish(r, FanoutMetrics.Resync.TOO_OLD, "the resume token is older than the " + config.tombstoneSeconds()
                        + " s deleted keys are kept for");
                return;
            }
        }
        if (congested(r)) {
            r.behind = true;
            return;
        }
        Optional<GapMarker> gap = read.gap();
        if (gap.isPresent() && gap.get().shard() == r.state.shard()) {
            finish(r, FanoutMetrics.Resync.GAP, "changes after the resume token are missing: " + gap.get().reason());
            return;
        }
        if (ofTable) {
            if (read.event() == null) {
                finish(r, FanoutMetrics.Resync.UNREADABLE, "a change after the resume token cannot be read");
                return;
            }
            if (r.read.offer(read.event())) {
                r.ahead.add(new Replayed(record.offset(), read.event(), read.frame()));
            }
        }
        r.next = record.offset() + 1;
    }

    /** Sends what the node has handed out meanwhile, and joins the live stream once it has read as far. */
    private void progress(Resumer r) {
        long handedOut = r.state.processedThrough();
        while (!r.ahead.isEmpty() && r.ahead.peek().offset() <= handedOut) {
            r.send(r.ahead.poll());
        }
        TableState.Phase phase = r.state.phase();
        if (r.state.wasMoved()) {
            r.done = true;
            r.subscriber.moved(null, "table " + r.state.table() + " moved to another node; resume there");
        } else if (phase == TableState.Phase.FAILED || phase == TableState.Phase.CLOSED) {
            r.done = true;
            r.subscriber.refuse(1011, ErrorCode.UNAVAILABLE, "the table's state was dropped; reconnect");
        } else if (r.state.attach(r, r.next - 1, r.token.offset())) {
            r.done = true;
        }
    }

    private void finish(Resumer r, FanoutMetrics.Resync why, String reason) {
        r.done = true;
        resync(metrics, r.subscriber, r.state, why, reason);
    }

    /** Tells the subscriber it cannot resume, and gives it the table's contents from this node's state. */
    static void resync(FanoutMetrics metrics, Subscriber subscriber, TableState state, FanoutMetrics.Resync why,
                       String reason) {
        metrics.resync(why);
        subscriber.send(Frames.resync(reason));
        state.enter(subscriber);
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

    private Properties properties() {
        Properties p = config.kafka().clientProperties();
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "rtkv-fanout-catch-up-" + partition.partition());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return p;
    }

    void close() {
        running = false;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
