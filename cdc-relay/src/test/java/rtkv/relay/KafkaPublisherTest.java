package rtkv.relay;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The position Debezium saves never passes a change whose transaction has not committed. */
class KafkaPublisherTest {

    private final MockProducer<String, byte[]> kafka =
            new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
    private final Committer committer = new Committer();
    private volatile boolean leaseHeld = true;
    private KafkaPublisher publisher;

    private KafkaPublisher publisher() {
        return publisher(0);
    }

    private KafkaPublisher publisher(int lingerMillis) {
        kafka.initTransactions();
        publisher = new KafkaPublisher(kafka, "rtkv.changes", new RowChangeMapper(0), 0, ReplayGuard.none(), 100, lingerMillis,
                () -> leaseHeld, new RelayMetrics(new SimpleMeterRegistry(), 0, Clock.systemUTC(), () -> "active"),
                FaultHook.NONE);
        return publisher;
    }

    @AfterEach
    void close() {
        if (publisher != null) {
            publisher.close();
        }
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
    void aChangeIsMarkedOnlyOnceItsTransactionCommitted() throws Exception {
        KafkaPublisher publisher = publisher();
        RecordChangeEvent<SourceRecord> a = put("a", 1);
        publisher.handleBatch(List.of(a), committer);
        await("committed by the committer").atMost(Duration.ofSeconds(10)).until(() -> kafka.commitCount() == 1);
        assertTrue(kafka.transactionCommitted());
        assertEquals(1, kafka.history().size(), "sent in that transaction");

        RecordChangeEvent<SourceRecord> quiet = heartbeat();
        publisher.handleBatch(List.of(quiet), committer);
        assertEquals(List.of(a, quiet), committer.marked, "the committed change, then what came after it");
        assertEquals(1, publisher.published());
        assertEquals(1, kafka.commitCount(), "a heartbeat alone opens no transaction");
    }

    @Test
    void changesHandedOverWithinTheLingerShareOneTransaction() throws Exception {
        KafkaPublisher publisher = publisher(2_000);
        RecordChangeEvent<SourceRecord> a = put("a", 1);
        RecordChangeEvent<SourceRecord> b = put("b", 1);
        publisher.handleBatch(List.of(a), committer);
        publisher.handleBatch(List.of(b), committer);
        await("committed").atMost(Duration.ofSeconds(10)).until(() -> kafka.commitCount() >= 1);
        assertEquals(1, kafka.commitCount(), "one transaction for both");
        assertEquals(2, kafka.history().size(), "both sent in it");
        publisher.handleBatch(List.of(heartbeat()), committer);
        assertEquals(List.of(a, b), committer.marked.subList(0, 2), "both marked once it committed");
    }

    @Test
    void aTransactionThatDoesNotCommitStopsTheRunWithItsChangesUnmarked() throws Exception {
        KafkaPublisher publisher = publisher();
        kafka.commitTransactionException = new TimeoutException("no answer in 30 s");
        publisher.handleBatch(List.of(put("a", 1)), committer);
        await("the commit failed").atMost(Duration.ofSeconds(10)).until(() -> {
            try {
                publisher.handleBatch(List.of(heartbeat()), committer);
                return false;
            } catch (RelayException e) {
                assertTrue(e.getMessage().startsWith("cdc-relay shard 0: a transaction did not commit"), e.getMessage());
                return true;
            }
        });
        assertEquals(List.of(), committer.marked, "the position stays before it");
        assertEquals(0, publisher.published());
    }

    @Test
    void aProducerFencedByTheNextRelayPublishesNothingMore() throws Exception {
        KafkaPublisher publisher = publisher();
        publisher.handleBatch(List.of(put("a", 1)), committer);
        await("committed").atMost(Duration.ofSeconds(10)).until(() -> kafka.commitCount() == 1);
        kafka.fenceProducer();
        publisher.handleBatch(List.of(put("b", 1)), committer);
        await("the fenced producer's failure").atMost(Duration.ofSeconds(10)).until(() -> {
            try {
                publisher.handleBatch(List.of(heartbeat()), committer);
                return false;
            } catch (RelayException e) {
                assertTrue(e.getMessage().contains("ProducerFencedException"), e.getMessage());
                return true;
            }
        });
        assertEquals(1, kafka.commitCount());
        assertEquals(1, committer.marked.size(), "only the change committed before the fence");
    }

    @Test
    void nothingIsSentOnceTheLeaseIsLost() throws Exception {
        KafkaPublisher publisher = publisher();
        publisher.handleBatch(List.of(put("a", 1)), committer);
        await("committed").atMost(Duration.ofSeconds(10)).until(() -> kafka.commitCount() == 1);
        leaseHeld = false;

        RelayException e = assertThrows(RelayException.class,
                () -> publisher.handleBatch(List.of(put("b", 1)), committer));
        assertEquals("cdc-relay shard 0: the shard's lease is lost; stopping", e.getMessage());
        assertEquals(1, kafka.history().size(), "only the change sent while the lease was held");
        assertEquals(1, kafka.commitCount());
    }

    @Test
    void changesQueuedDuringACommitShareTheNextTransaction() throws Exception {
        KafkaPublisher publisher = publisher();
        for (int i = 0; i < 50; i++) {
            publisher.handleBatch(List.of(put("k" + i, 1)), committer);
        }
        await("all committed").atMost(Duration.ofSeconds(10)).until(() -> kafka.history().size() == 50);
        assertTrue(kafka.commitCount() <= 50, kafka.commitCount() + " transactions");
        publisher.handleBatch(List.of(heartbeat()), committer);
        assertEquals(51, committer.marked.size(), "every change, in order, once its transaction committed");
        assertEquals("k0", new RowChangeMapper(0).map(committer.marked.get(0).record()).orElseThrow().key());
        assertEquals("k49", new RowChangeMapper(0).map(committer.marked.get(49).record()).orElseThrow().key());
    }

    @Test
    void aReplayedChangeTheLogHoldsIsNotSentAgain() throws Exception {
        publisher = new KafkaPublisher(kafka, "rtkv.changes", new RowChangeMapper(0), 0, guardHolding(put("a", 1)), 100, 0,
                () -> true, new RelayMetrics(new SimpleMeterRegistry(), 0, Clock.systemUTC(), () -> "active"), FaultHook.NONE);
        kafka.initTransactions();
        RecordChangeEvent<SourceRecord> a = put("a", 1);
        publisher.handleBatch(List.of(a), committer);
        await("passed through").atMost(Duration.ofSeconds(10)).until(() -> {
            publisher.handleBatch(List.of(), committer);
            return !committer.marked.isEmpty();
        });
        assertEquals(List.of(a), committer.marked, "marked without a transaction: nothing was sent");
        assertEquals(0, kafka.commitCount());
        assertEquals(0, kafka.history().size());
        assertEquals(1, publisher.skipped());
    }

    private static ReplayGuard guardHolding(RecordChangeEvent<SourceRecord> change) {
        var event = new RowChangeMapper(0).map(change.record()).orElseThrow();
        return new ReplayGuard(new java.util.HashSet<>(List.of(ReplayGuard.identity(event))), event.seq());
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
