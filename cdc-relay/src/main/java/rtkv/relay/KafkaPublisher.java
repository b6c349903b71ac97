package rtkv.relay;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.connect.source.SourceRecord;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import rtkv.schema.ChangeEvent;
import rtkv.schema.ChangeEventJson;

/**
 * Publishes what Debezium hands over in Kafka transactions, and marks a change processed only once the
 * transaction that carried it has committed, so the binlog position the engine saves never runs ahead
 * of what a {@code read_committed} consumer can see. The producer's transactional id is the shard's:
 * a relay that takes the shard over fences this one's producer, whose open transaction is aborted and
 * whose later sends and commits fail, so nothing it still had in hand is ever seen. A crash replays
 * from the saved position, and the {@link ReplayGuard} drops what had committed.
 *
 * <p>The engine's thread only queues each change and returns; one publishing thread owns the producer
 * and, in a loop, takes everything queued, sends it in one transaction and commits it. So a change waits
 * for the commit in progress, if any, then for its own: alone when the shard is quiet, with everything
 * that arrived meanwhile under load, where one commit per change would cap a shard at a few dozen changes
 * a second. At most {@code maxUncommitted} changes wait; past that the engine's thread waits too. A
 * transaction that fails or takes longer than the producer's {@code max.block.ms} stops the run, and a
 * new run sends again with a new producer.
 */
final class KafkaPublisher implements DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>>, AutoCloseable {

    /** A change from Debezium and the record it publishes, or null when it publishes none. */
    private record Queued(RecordChangeEvent<SourceRecord> change, ProducerRecord<String, byte[]> record, long writtenAt) {
    }

    private final Producer<String, byte[]> producer;
    private final String topic;
    private final RowChangeMapper mapper;
    private final int shard;
    private final ReplayGuard replays;
    private final int maxUncommitted;
    private final long lingerNanos;
    private final BooleanSupplier leaseHeld;
    private final RelayMetrics metrics;
    private final FaultHook fault;
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final Thread publisher;
    private final Object lock = new Object();
    // Guarded by lock: changes queued and not taken yet, the ones in the transaction under way, and the
    // ones whose transaction committed, to be marked processed on the engine's thread.
    private final ArrayDeque<Queued> queued = new ArrayDeque<>();
    private int inTransaction;
    private final ArrayDeque<RecordChangeEvent<SourceRecord>> committed = new ArrayDeque<>();
    private RuntimeException failure;
    private boolean closing;
    /** When the oldest change in {@code queued} was queued (System.nanoTime); guarded by lock. */
    private long firstQueuedNanos;

    /** {@code producer}: transactional, its transactions initialized. */
    KafkaPublisher(Producer<String, byte[]> producer, String topic, RowChangeMapper mapper, int shard, ReplayGuard replays,
                   int maxUncommitted, int lingerMillis, BooleanSupplier leaseHeld, RelayMetrics metrics, FaultHook fault) {
        this.producer = producer;
        this.topic = topic;
        this.mapper = mapper;
        this.shard = shard;
        this.replays = replays;
        this.maxUncommitted = maxUncommitted;
        this.lingerNanos = TimeUnit.MILLISECONDS.toNanos(lingerMillis);
        this.leaseHeld = leaseHeld;
        this.metrics = metrics;
        this.fault = fault;
        this.publisher = new Thread(this::publishWhileOpen, "relay-publisher-" + shard);
        publisher.start();
    }

    @Override
    public void handleBatch(List<RecordChangeEvent<SourceRecord>> batch,
                            DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> recordCommitter)
            throws InterruptedException {
        List<RecordChangeEvent<SourceRecord>> done = new ArrayList<>();
        synchronized (lock) {
            throwIfFailed();
            for (RecordChangeEvent<SourceRecord> change : batch) {
                Queued q = queue(change);
                if (q.record() == null && queued.isEmpty() && inTransaction == 0) {
                    committed.add(change); // publishes nothing, and nothing is ahead of it: a heartbeat of a quiet shard
                } else {
                    if (queued.isEmpty()) {
                        firstQueuedNanos = System.nanoTime();
                    }
                    queued.add(q);
                }
            }
            lock.notifyAll();
            while (queued.size() + inTransaction > maxUncommitted && failure == null) {
                lock.wait(100);
            }
            throwIfFailed();
            done.addAll(committed);
            committed.clear();
        }
        for (RecordChangeEvent<SourceRecord> change : done) {
            recordCommitter.markProcessed(change);
        }
        recordCommitter.markBatchFinished();
    }

    private Queued queue(RecordChangeEvent<SourceRecord> change) {
        Optional<ChangeEvent> event = mapper.map(change.record());
        if (event.isEmpty()) {
            return new Queued(change, null, 0);
        }
        if (!leaseHeld.getAsBoolean()) {
            // Another relay may own the shard by now; publishing could put a change out of order.
            throw new RelayException("cdc-relay shard " + shard + ": the shard's lease is lost; stopping");
        }
        if (replays.alreadyPublished(event.get())) {
            skipped.incrementAndGet();
            return new Queued(change, null, 0);
        }
        ChangeEvent e = event.get();
        // The table is the record key: one table's changes share a partition and keep their order.
        return new Queued(change, new ProducerRecord<>(topic, e.table(), ChangeEventJson.write(e)),
                RowChangeMapper.writtenAt(change.record()));
    }

    private void throwIfFailed() {
        if (failure != null) {
            throw failure;
        }
    }

    /** The publishing thread: everything queued, in one transaction, until closed. */
    private void publishWhileOpen() {
        while (true) {
            List<Queued> batch;
            synchronized (lock) {
                while (queued.isEmpty() && !closing) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        failure = new RelayException("cdc-relay shard " + shard + ": the publisher was interrupted");
                        lock.notifyAll();
                        return;
                    }
                }
                if (queued.isEmpty()) {
                    return;
                }
                if (!linger()) {
                    return;
                }
                batch = new ArrayList<>(queued);
                queued.clear();
                inTransaction = batch.size();
            }
            RuntimeException failed;
            try {
                failed = publish(batch);
            } catch (RuntimeException | Error e) {
                // Whatever ends this thread must stop the run: a publisher gone quiet would hold the lease
                // and stream nothing.
                failed = new RelayException("cdc-relay shard " + shard + ": publishing failed: " + e, e);
            }
            synchronized (lock) {
                inTransaction = 0;
                if (failed != null) {
                    failure = failed;
                } else {
                    batch.forEach(q -> committed.add(q.change()));
                }
                lock.notifyAll();
            }
            if (failed != null) {
                return;
            }
            if (fault.reached(FaultHook.Point.COMMIT)) {
                fault.halt();
            }
        }
    }

    /**
     * Lets changes gather until the oldest waiting has waited the linger (under load, while the last
     * transaction committed), unless enough are waiting or the publisher is closing; holds the lock.
     * Answers false when interrupted, with the failure set.
     */
    private boolean linger() {
        long until = firstQueuedNanos + lingerNanos;
        for (long left = until - System.nanoTime(); left > 0 && !closing && queued.size() < maxUncommitted;
             left = until - System.nanoTime()) {
            try {
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = new RelayException("cdc-relay shard " + shard + ": the publisher was interrupted");
                lock.notifyAll();
                return false;
            }
        }
        return true;
    }

    /** Sends the batch's records in one transaction and commits it; answers the failure, if any. */
    private RuntimeException publish(List<Queued> batch) {
        List<Queued> sending = batch.stream().filter(q -> q.record() != null).toList();
        if (sending.isEmpty()) {
            return null;
        }
        if (!leaseHeld.getAsBoolean()) {
            return new RelayException("cdc-relay shard " + shard + ": the shard's lease is lost; stopping");
        }
        try {
            producer.beginTransaction();
            for (Queued q : sending) {
                long writtenAt = q.writtenAt();
                producer.send(q.record(), (metadata, sendFailure) -> {
                    if (sendFailure == null) {
                        metrics.published(writtenAt);
                    }
                });
                if (fault.reached(FaultHook.Point.SEND)) {
                    // On the broker, in the open transaction: what the next relay's fence must abort.
                    producer.flush();
                    fault.halt();
                }
            }
            producer.commitTransaction();
        } catch (KafkaException e) {
            // Fenced by a relay that took over, or Kafka did not answer in time: this producer is done.
            return new RelayException("cdc-relay shard " + shard + ": a transaction did not commit (" + e
                    + "); stopping without saving the binlog position, to send it again with a new producer", e);
        }
        published.addAndGet(sending.size());
        return null;
    }

    /** Changes in committed transactions. */
    long published() {
        return published.get();
    }

    /** Changes handed over again after a restart and not published twice. */
    long skipped() {
        return skipped.get();
    }

    /** Publishes what is queued, if it can, and stops the publishing thread; the engine has stopped handing over changes. */
    @Override
    public void close() {
        synchronized (lock) {
            closing = true;
            lock.notifyAll();
        }
        try {
            publisher.join(TimeUnit.SECONDS.toMillis(60));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
