package rtkv.relay;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.connect.source.SourceRecord;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import rtkv.schema.ChangeEvent;
import rtkv.schema.ChangeEventJson;

/**
 * Publishes each batch Debezium hands over and only then marks it processed, so the binlog position
 * the engine saves never runs ahead of what Kafka acknowledged. A crash replays, it never skips; the
 * {@link ReplayGuard} drops what the replay would publish twice, so the log has each change once.
 */
final class KafkaPublisher implements DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>> {

    private final Producer<String, byte[]> producer;
    private final String topic;
    private final RowChangeMapper mapper;
    private final int shard;
    private final ReplayGuard replays;
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();

    KafkaPublisher(Producer<String, byte[]> producer, String topic, RowChangeMapper mapper, int shard, ReplayGuard replays) {
        this.producer = producer;
        this.topic = topic;
        this.mapper = mapper;
        this.shard = shard;
        this.replays = replays;
    }

    @Override
    public void handleBatch(List<RecordChangeEvent<SourceRecord>> batch,
                            DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
            throws InterruptedException {
        List<Future<RecordMetadata>> acks = new ArrayList<>(batch.size());
        for (RecordChangeEvent<SourceRecord> change : batch) {
            Optional<ChangeEvent> event = mapper.map(change.record());
            if (event.isEmpty()) {
                continue;
            }
            if (replays.alreadyPublished(event.get())) {
                skipped.incrementAndGet();
                continue;
            }
            // The table is the record key: one table's changes share a partition and keep their order.
            ChangeEvent e = event.get();
            acks.add(producer.send(new ProducerRecord<>(topic, e.table(), ChangeEventJson.write(e))));
        }
        for (Future<RecordMetadata> ack : acks) {
            try {
                ack.get();
            } catch (ExecutionException e) {
                // The producer already retried what is retriable; stopping keeps the position unsaved.
                throw new RelayException("cdc-relay shard " + shard + ": Kafka did not acknowledge a change; "
                        + "stopping without saving the binlog position", e.getCause());
            }
        }
        for (RecordChangeEvent<SourceRecord> change : batch) {
            committer.markProcessed(change);
        }
        committer.markBatchFinished();
        published.addAndGet(acks.size());
    }

    long published() {
        return published.get();
    }

    /** Changes handed over again after a restart and not published twice. */
    long skipped() {
        return skipped.get();
    }
}
