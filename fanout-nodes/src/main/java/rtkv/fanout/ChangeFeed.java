package rtkv.fanout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
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
import rtkv.schema.GapMarker;

/**
 * Reads the change topic from the end, on one thread, and hands each change to its table's state on
 * this node. A change of a table nobody here watches is skipped without being parsed.
 *
 * <p>Two scopes. {@link Scope#GROUP}: the node's share of the partitions, through a consumer group all
 * fanout nodes join, so each node reads only what it owns and its ingress shrinks as nodes are added;
 * when partitions move, the {@link Ownership} is told, and it moves the subscribers of the partitions
 * that left. {@link Scope#SYSTEM}: the partitions of the system tables every node holds for itself
 * (the API keys, the settings), read in full by every node, for those tables only. Ready once
 * positioned on what it reads.
 */
final class ChangeFeed implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ChangeFeed.class);
    /** How a group member names itself to the others: this prefix, then the URL subscribers reach it at. */
    static final String CLIENT_ID_PREFIX = "rtkv-fanout@";

    enum Scope { GROUP, SYSTEM }

    /** Told when partitions come and go; called on the feed's thread, inside the consumer's poll. */
    interface Ownership {
        void revoked(Set<Integer> partitions);
    }

    private final FanoutConfig config;
    private final Scope scope;
    private final Set<String> systemTables;
    private final Thread thread;
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private final CompletableFuture<Void> positioned = new CompletableFuture<>();
    private final Set<Integer> owned = ConcurrentHashMap.newKeySet();
    // A table's state is created under the read lock while its partition is owned, and a revocation
    // takes the write lock, so no state is created for a partition that is leaving without being moved.
    private final ReentrantReadWriteLock ownershipLock = new ReentrantReadWriteLock();
    private volatile KafkaConsumer<String, byte[]> consumer;
    private volatile Tables tables;
    private volatile Ownership ownership;
    private volatile FanoutMetrics metrics;
    private volatile AtomicLongArray processedThrough = new AtomicLongArray(0);
    private volatile String topicId;
    private volatile Throwable aborted;
    private volatile boolean running = true;
    // Set by a test that needs this feed behind a replay of the same partition; never in production.
    private volatile CountDownLatch held;
    /** The subscribers a poll's changes were batched to, flushed once it is handed out; the feed thread's own. */
    private final List<Subscriber> toFlush = new ArrayList<>();

    ChangeFeed(FanoutConfig config, Scope scope, Set<String> systemTables) {
        this.config = config;
        this.scope = scope;
        this.systemTables = Set.copyOf(systemTables);
        this.thread = new Thread(this::run, scope == Scope.GROUP ? "fanout-feed" : "fanout-system-feed");
    }

    /** @param advertisedUrl where subscribers reach this node; the group's other members read it */
    void start(Tables tables, Ownership ownership, String advertisedUrl, FanoutMetrics metrics) {
        this.metrics = metrics;
        this.consumer = new KafkaConsumer<>(FeedConsumer.properties(config, scope, advertisedUrl), new StringDeserializer(),
                new ByteArrayDeserializer());
        this.tables = tables;
        this.ownership = ownership;
        thread.start();
    }

    /** Completes once the feed knows its position on what it reads (for a group: after its first assignment). */
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

    /** Whether this feed reads the partition now. */
    boolean owns(int partition) {
        return owned.contains(partition);
    }

    /** The partitions this feed reads now, in order. */
    List<Integer> ownedPartitions() {
        return owned.stream().sorted().toList();
    }

    /**
     * Runs {@code create} while the partition is owned, so that what it registers is seen by a revocation
     * that follows; answers null, without running it, when the partition is not owned.
     */
    <T> T whileOwned(int partition, Supplier<T> create) {
        ownershipLock.readLock().lock();
        try {
            return owned.contains(partition) ? create.get() : null;
        } finally {
            ownershipLock.readLock().unlock();
        }
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
        return topicId.substring(0, 8);
    }

    /** The id of the topic the feed reads, once it found it. */
    String topicId() {
        return topicId;
    }

    /**
     * For tests: from now on, what a poll brings is handed out only after {@link #release()} (or 30 s), so a
     * test can put this node behind a resumer's replay, as a rebalance or a slow poll does by chance.
     */
    void hold() {
        held = new CountDownLatch(1);
    }

    void release() {
        CountDownLatch latch = held;
        held = null;
        if (latch != null) {
            latch.countDown();
        }
    }

    /** Stops the feed for good: {@link #ended()} completes with {@code cause}, and the node is of no use. */
    void abort(Throwable cause) {
        aborted = cause;
        close();
    }

    private void run() {
        try {
            follow();
            if (aborted != null) {
                LOG.error("the change feed stopped; this node can no longer deliver changes: {}", aborted.getMessage());
                positioned.completeExceptionally(aborted);
                ended.completeExceptionally(aborted);
            } else {
                ended.complete(null);
            }
        } catch (Throwable e) {
            LOG.error("the change feed failed; this node can no longer deliver changes", e);
            positioned.completeExceptionally(e);
            ended.completeExceptionally(e);
        }
    }

    private void follow() throws InterruptedException {
        try {
            TopicLookup.Found topic = TopicLookup.await(config, () -> running).orElseThrow(WakeupException::new);
            topicId = topic.id();
            List<TopicPartition> partitions = topic.partitions();
            processedThrough = new AtomicLongArray(partitions.size());
            for (int i = 0; i < partitions.size(); i++) {
                processedThrough.set(i, -1);
            }
            if (scope == Scope.GROUP) {
                consumer.subscribe(List.of(config.topic()), new Rebalance());
                LOG.info("joining group {} for the partitions of {}", config.group(), config.topic());
            } else {
                List<TopicPartition> system = systemTables.stream().map(this::partitionOf).distinct().sorted()
                        .map(p -> new TopicPartition(config.topic(), p)).toList();
                consumer.assign(system);
                startAtEnd(system);
                positioned.complete(null);
                LOG.info("reading partitions {} of {} for the system tables", system.stream()
                        .map(TopicPartition::partition).toList(), config.topic());
            }
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

    /** Positions on the end of each partition and records that as handed out, then owns them. */
    private void startAtEnd(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            // seekToEnd of no partitions means every assigned one: a rebalance that brings nothing new
            // would skip what the partitions this node keeps have not handed out yet.
            return;
        }
        consumer.seekToEnd(partitions);
        for (TopicPartition partition : partitions) {
            processedThrough.set(partition.partition(), endOf(partition) - 1);
        }
        partitions.forEach(partition -> owned.add(partition.partition()));
    }

    /**
     * The partition's end, asked until Kafka answers: a partition given to this node and never
     * positioned would be owned in the group's eyes and served by nobody.
     */
    private long endOf(TopicPartition partition) {
        long backoff = 100;
        while (true) {
            try {
                return consumer.position(partition, Duration.ofSeconds(10));
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                if (!running) {
                    throw new WakeupException();
                }
                LOG.warn("cannot read the end of {}, retrying: {}", partition, e.toString());
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new WakeupException();
                }
                backoff = Math.min(backoff * 2, 5_000);
            }
        }
    }

    /** The group's decisions, on the feed's thread inside poll: nothing of a partition is handed out after it left. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            startAtEnd(partitions);
            if (!partitions.isEmpty()) {
                LOG.info("now reading partitions {} of {}", ownedPartitions(), config.topic());
            }
            positioned.complete(null);
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            leave(partitions, "revoked");
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            leave(partitions, "lost (this node was out of touch with the group)");
        }

        private void leave(Collection<TopicPartition> partitions, String how) {
            if (partitions.isEmpty()) {
                return;
            }
            Set<Integer> leaving = new HashSet<>();
            partitions.forEach(partition -> leaving.add(partition.partition()));
            ownershipLock.writeLock().lock();
            try {
                owned.removeAll(leaving);
            } finally {
                ownershipLock.writeLock().unlock();
            }
            metrics.left(leaving);
            LOG.info("partitions {} of {} {}; their subscribers move to the new owners", leaving, config.topic(), how);
            ownership.revoked(leaving);
        }
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
        CountDownLatch latch = held;
        if (latch != null && !records.isEmpty()) {
            latch.await(30, TimeUnit.SECONDS);
        }
        toFlush.clear();
        for (ConsumerRecord<String, byte[]> record : records) {
            if (record.partition() >= processedThrough.length()) {
                // Tables hash to partitions by their count: with more, tokens and routing would be wrong.
                throw new IllegalStateException(config.topic() + " now has more partitions than the "
                        + processedThrough.length() + " this node started with; restart every fanout node");
            }
            if (record.key() == null) {
                GapMarker.of(null, record.value()).ifPresent(gap -> tables.gap(gap, record.partition(), scope == Scope.SYSTEM));
                processedThrough.set(record.partition(), record.offset());
                continue;
            }
            // Each system table's changes are the system feed's, everything else the group feed's.
            boolean mine = systemTables.contains(record.key()) == (scope == Scope.SYSTEM);
            TableState state = mine ? tables.get(record.key()) : null;
            if (state != null) {
                deliver(state, record);
            }
            processedThrough.set(record.partition(), record.offset());
        }
        // One write per subscriber for everything this poll brought it.
        for (Subscriber subscriber : toFlush) {
            subscriber.flushBatched();
        }
        // The group's partitions only: every node reads the system tables' partitions for itself, and
        // counting those too would add one partition's lag once per node.
        if (scope == Scope.GROUP) {
            for (TopicPartition partition : records.partitions()) {
                consumer.currentLag(partition).ifPresent(lag -> metrics.lag(partition.partition(), lag));
            }
        }
    }

    private void deliver(TableState state, ConsumerRecord<String, byte[]> record) {
        ChangeEvent event;
        try {
            event = ChangeEventJson.read(record.value());
        } catch (IllegalArgumentException | NullPointerException e) {
            // Skipping it would be a silent gap for the table's subscribers: they resync instead.
            LOG.atError().addKeyValue("table", state.table())
                    .log("an unreadable change of watched table {} at {}-{}@{}: {}; its subscribers resync", state.table(),
                            record.topic(), record.partition(), record.offset(), e.getMessage());
            tables.drop(state);
            return;
        }
        try {
            state.onChange(event, record.offset(), toFlush);
            metrics.delivered(record.timestamp());
        } catch (RuntimeException e) {
            // The table's state can no longer be trusted; its subscribers reconnect and resume, the
            // feed and every other table go on.
            LOG.atError().addKeyValue("table", state.table()).setCause(e)
                    .log("dropping the state of table {} after a failure at {}-{}@{}",
                            state.table(), record.topic(), record.partition(), record.offset());
            tables.drop(state);
        }
    }

    @Override
    public void close() {
        running = false;
        release();
        KafkaConsumer<String, byte[]> c = consumer;
        if (c == null) {
            return;
        }
        c.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
