package rtkv.relay;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.connect.source.SourceRecord;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import rtkv.schema.ChangeEvent;
import rtkv.schema.ChangeEventJson;

/**
 * Publishes what Debezium hands over and marks a change processed only once Kafka acknowledged it and
 * every change before it, so the binlog position the engine saves never runs ahead of the log. A crash
 * replays, it never skips; the {@link ReplayGuard} drops what the replay would publish twice, so the
 * log has each change once.
 *
 * <p>Sends are pipelined: a batch is sent and the call returns without waiting for its
 * acknowledgements, which are collected by later calls (Debezium's heartbeats make one at least every
 * heartbeat interval on a quiet shard). Waiting for each batch would put a Kafka round trip between
 * every two batches, and batches are a single change each so that a change is published the moment
 * it is read. At most {@code maxUnacknowledged} changes are in flight; beyond that a call waits.
 */
final class KafkaPublisher implements DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>> {

    /** A change handed over by Debezium, with its send's acknowledgement (null when nothing was sent) and when it was sent. */
    private record InFlight(RecordChangeEvent<SourceRecord> change, Future<RecordMetadata> ack, long sentAtNanos) {
    }

    private final Producer<String, byte[]> producer;
    private final String topic;
    private final RowChangeMapper mapper;
    private final int shard;
    private final ReplayGuard replays;
    private final int maxUnacknowledged;
    private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final BooleanSupplier leaseHeld;
    private final RelayMetrics metrics;
    private final long ackTimeoutNanos;
    private final LongSupplier nanoTime;

    /**
     * @param ackTimeout how long a change may wait for Kafka's acknowledgement before the run stops and a
     *                   new one, with a new producer, sends it again (see {@link #markAcknowledged})
     * @param nanoTime   the monotonic clock the wait is measured on
     */
    KafkaPublisher(Producer<String, byte[]> producer, String topic, RowChangeMapper mapper, int shard, ReplayGuard replays,
                   int maxUnacknowledged, BooleanSupplier leaseHeld, RelayMetrics metrics, Duration ackTimeout,
                   LongSupplier nanoTime) {
        this.leaseHeld = leaseHeld;
        this.metrics = metrics;
        this.ackTimeoutNanos = ackTimeout.toNanos();
        this.nanoTime = nanoTime;
        this.producer = producer;
        this.topic = topic;
        this.mapper = mapper;
        this.shard = shard;
        this.replays = replays;
        this.maxUnacknowledged = maxUnacknowledged;
    }

    @Override
    public void handleBatch(List<RecordChangeEvent<SourceRecord>> batch,
                            DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
            throws InterruptedException {
        for (RecordChangeEvent<SourceRecord> change : batch) {
            inFlight.add(new InFlight(change, send(change), nanoTime.getAsLong()));
        }
        markAcknowledged(committer);
        committer.markBatchFinished();
    }

    private Future<RecordMetadata> send(RecordChangeEvent<SourceRecord> change) {
        Optional<ChangeEvent> event = mapper.map(change.record());
        if (event.isEmpty()) {
            return null;
        }
        if (!leaseHeld.getAsBoolean()) {
            // Another relay may own the shard by now; publishing could put a change out of order.
            throw new RelayException("cdc-relay shard " + shard + ": the shard's lease is lost; stopping");
        }
        if (replays.alreadyPublished(event.get())) {
            skipped.incrementAndGet();
            return null;
        }
        // The table is the record key: one table's changes share a partition and keep their order.
        ChangeEvent e = event.get();
        long writtenAt = RowChangeMapper.writtenAt(change.record());
        return producer.send(new ProducerRecord<>(topic, e.table(), ChangeEventJson.write(e)), (metadata, failure) -> {
            if (failure == null) {
                metrics.published(writtenAt);
            }
        });
    }

    /**
     * Marks the acknowledged head of the changes in flight. Partitions acknowledge independently, so a
     * later change can be acknowledged before an earlier one; the head stops at the first that is not.
     *
     * <p>A change unacknowledged for longer than the timeout stops the run. After brokers fail, an
     * idempotent producer can be left retrying a partition's batch for minutes
     * (OUT_OF_ORDER_SEQUENCE_NUMBER) while the brokers are well again, and the partition's stream
     * stalls with it. The next run sends from the saved position with a new producer, and the
     * {@link ReplayGuard} drops what is already in the log; while Kafka really is down, runs stop and
     * start again with the failover loop's backoff, which costs nothing.
     */
    private void markAcknowledged(DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
            throws InterruptedException {
        while (!inFlight.isEmpty()) {
            InFlight head = inFlight.peek();
            if (head.ack() != null) {
                long waitedNanos = nanoTime.getAsLong() - head.sentAtNanos();
                if (!head.ack().isDone() && waitedNanos > ackTimeoutNanos) {
                    throw unacknowledgedFor(waitedNanos, null);
                }
                if (!head.ack().isDone() && inFlight.size() <= maxUnacknowledged) {
                    return;
                }
                acknowledged(head.ack(), ackTimeoutNanos - waitedNanos);
                published.incrementAndGet();
            }
            committer.markProcessed(head.change());
            inFlight.remove();
        }
    }

    private void acknowledged(Future<RecordMetadata> ack, long waitNanos) throws InterruptedException {
        try {
            ack.get(Math.max(0, waitNanos), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw unacknowledgedFor(ackTimeoutNanos, e);
        } catch (ExecutionException e) {
            // The producer already retried what is retriable; stopping keeps the position unsaved.
            throw new RelayException("cdc-relay shard " + shard + ": Kafka did not acknowledge a change; "
                    + "stopping without saving the binlog position", e.getCause());
        }
    }

    private RelayException unacknowledgedFor(long nanos, Throwable cause) {
        return new RelayException("cdc-relay shard " + shard + ": Kafka has not acknowledged a change for "
                + TimeUnit.NANOSECONDS.toSeconds(nanos) + " s; stopping without saving the binlog position, to send"
                + " it again with a new producer", cause);
    }

    /** Changes Kafka acknowledged. */
    long published() {
        return published.get();
    }

    /** Changes handed over again after a restart and not published twice. */
    long skipped() {
        return skipped.get();
    }
}
