package rtkv.relay;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.connect.source.SourceRecord;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import org.junit.jupiter.api.Test;

/** The position Debezium saves never passes a change Kafka has not acknowledged. */
class KafkaPublisherTest {

    private final MockProducer<String, byte[]> kafka =
            new MockProducer<>(false, null, new StringSerializer(), new ByteArraySerializer());
    private final Committer committer = new Committer();
    private volatile boolean leaseHeld = true;
    private long nanos;

    private KafkaPublisher publisher(int maxUnacknowledged) {
        return new KafkaPublisher(kafka, "rtkv.changes", new RowChangeMapper(0), 0, ReplayGuard.none(), maxUnacknowledged,
                () -> leaseHeld, new RelayMetrics(new SimpleMeterRegistry(), 0, Clock.systemUTC(), () -> "active"),
                Duration.ofSeconds(30), () -> nanos);
    }

    private static RecordChangeEvent<SourceRecord> put(String key, long version) {
        SourceRecord record = RowChangeMapperTest.record("c", null, RowChangeMapperTest.row(key, "1", version));
        return () -> record;
    }

    private static RecordChangeEvent<SourceRecord> heartbeat() {
        SourceRecord record = new SourceRecord(Map.of(), Map.of(), "__debezium-heartbeat", null, null);
        return () -> record;
    }

    @Test
    void aChangeIsMarkedOnlyOnceKafkaAcknowledgedIt() throws Exception {
        KafkaPublisher publisher = publisher(100);
        RecordChangeEvent<SourceRecord> a = put("a", 1);
        publisher.handleBatch(List.of(a), committer);
        assertEquals(1, kafka.history().size(), "sent at once, without waiting for earlier acknowledgements");
        assertEquals(List.of(), committer.marked, "not acknowledged yet");

        RecordChangeEvent<SourceRecord> quiet = heartbeat();
        publisher.handleBatch(List.of(quiet), committer);
        assertEquals(List.of(), committer.marked, "nothing to publish, but it stays behind the unacknowledged change");

        kafka.completeNext();
        publisher.handleBatch(List.of(heartbeat()), committer);
        assertEquals(3, committer.marked.size(), "the acknowledged change and everything after it");
        assertEquals(List.of(a, quiet), committer.marked.subList(0, 2));
        assertEquals(3, committer.batchesFinished);
        assertEquals(1, publisher.published());
    }

    @Test
    void aChangeKafkaLeavesUnacknowledgedTooLongStopsTheRunUnmarked() throws Exception {
        KafkaPublisher publisher = publisher(100);
        publisher.handleBatch(List.of(put("a", 1)), committer);
        nanos += Duration.ofSeconds(29).toNanos();
        publisher.handleBatch(List.of(heartbeat()), committer);
        nanos += Duration.ofSeconds(2).toNanos();

        RelayException e = assertThrows(RelayException.class, () -> publisher.handleBatch(List.of(heartbeat()), committer));
        assertTrue(e.getMessage().startsWith("cdc-relay shard 0: Kafka has not acknowledged a change for 31 s"), e.getMessage());
        assertEquals(List.of(), committer.marked, "the position stays before it");
    }

    @Test
    void aFullWindowWaitsForTheHeadNoLongerThanTheTimeout() throws Exception {
        KafkaPublisher publisher = publisher(1);
        publisher.handleBatch(List.of(put("a", 1)), committer);
        nanos += Duration.ofSeconds(31).toNanos();
        assertThrows(RelayException.class, () -> publisher.handleBatch(List.of(put("b", 1)), committer),
                "past the timeout already: no wait on the acknowledgement at all");
    }

    @Test
    void nothingIsSentOnceTheLeaseIsLost() throws Exception {
        KafkaPublisher publisher = publisher(100);
        publisher.handleBatch(List.of(put("a", 1)), committer);
        leaseHeld = false;

        RelayException e = assertThrows(RelayException.class,
                () -> publisher.handleBatch(List.of(put("b", 1)), committer));
        assertEquals("cdc-relay shard 0: the shard's lease is lost; stopping", e.getMessage());
        assertEquals(1, kafka.history().size(), "only the change sent while the lease was held");
        assertEquals(List.of(), committer.marked);
    }

    @Test
    void theMarkedHeadStopsAtTheFirstUnacknowledgedChange() throws Exception {
        KafkaPublisher publisher = publisher(100);
        RecordChangeEvent<SourceRecord> a = put("a", 1);
        publisher.handleBatch(List.of(a, put("b", 1), put("c", 1)), committer);
        kafka.completeNext();
        publisher.handleBatch(List.of(), committer);
        assertEquals(List.of(a), committer.marked);
    }

    @Test
    void aChangeKafkaRefusedStopsTheRelayWithoutMarkingIt() throws Exception {
        KafkaPublisher publisher = publisher(100);
        publisher.handleBatch(List.of(put("a", 1), put("b", 1)), committer);
        kafka.errorNext(new NotEnoughReplicasException("two replicas down"));
        RelayException e = assertThrows(RelayException.class, () -> publisher.handleBatch(List.of(), committer));
        assertEquals("cdc-relay shard 0: Kafka did not acknowledge a change; stopping without saving the binlog position",
                e.getMessage());
        assertEquals(List.of(), committer.marked);
    }

    @Test
    void pastTheBoundOfUnacknowledgedChangesACallWaits() throws Exception {
        KafkaPublisher publisher = publisher(2);
        publisher.handleBatch(List.of(put("a", 1), put("b", 1)), committer);
        CompletableFuture<Void> third = CompletableFuture.runAsync(() -> {
            try {
                publisher.handleBatch(List.of(put("c", 1)), committer);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        await("the third change is sent").atMost(Duration.ofSeconds(10)).until(() -> kafka.history().size() == 3);
        assertFalse(third.isDone(), "three in flight, two allowed: it waits for the oldest");
        kafka.completeNext();
        third.get();
        assertEquals(1, committer.marked.size());
    }

    /** Records what the publisher marks. */
    private static final class Committer implements DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> {
        final List<RecordChangeEvent<SourceRecord>> marked = new ArrayList<>();
        int batchesFinished;

        @Override
        public void markProcessed(RecordChangeEvent<SourceRecord> record) {
            marked.add(record);
        }

        @Override
        public void markBatchFinished() {
            batchesFinished++;
        }

        @Override
        public void markProcessed(RecordChangeEvent<SourceRecord> record, DebeziumEngine.Offsets offsets) {
            marked.add(record);
        }

        @Override
        public DebeziumEngine.Offsets buildOffsets() {
            throw new UnsupportedOperationException();
        }
    }
}
