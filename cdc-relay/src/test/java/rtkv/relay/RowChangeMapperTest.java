package rtkv.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;
import rtkv.schema.ChangeEvent;
import rtkv.schema.ChangeOp;

class RowChangeMapperTest {

    private static final Schema ROW = SchemaBuilder.struct().name("rtkv-shard-0.rtkv.kv.Value")
            .field("table_id", Schema.STRING_SCHEMA)
            .field("k", Schema.BYTES_SCHEMA)
            .field("v", Schema.OPTIONAL_STRING_SCHEMA)
            .field("version", Schema.INT64_SCHEMA)
            .field("expires_at", Schema.OPTIONAL_INT64_SCHEMA)
            .field("expired", Schema.INT16_SCHEMA)
            .field("changed_at", Schema.INT64_SCHEMA)
            .optional().build();
    private static final Schema SOURCE = SchemaBuilder.struct().field("ts_ms", Schema.INT64_SCHEMA)
            .field("gtid", Schema.OPTIONAL_STRING_SCHEMA).build();
    private static final Schema ENVELOPE = SchemaBuilder.struct().name("rtkv-shard-0.rtkv.kv.Envelope")
            .field("before", ROW).field("after", ROW).field("source", SOURCE).field("op", Schema.STRING_SCHEMA).build();

    private final RowChangeMapper mapper = new RowChangeMapper(3);

    static Struct row(String key, String value, long version) {
        return row(key, value, version, value == null ? 0L : null, false);
    }

    private static Struct row(String key, String value, long version, Long expiresAt, boolean expired) {
        return new Struct(ROW).put("table_id", "demo").put("k", ByteBuffer.wrap(key.getBytes(StandardCharsets.UTF_8)))
                .put("v", value).put("version", version).put("expires_at", expiresAt)
                .put("expired", (short) (expired ? 1 : 0)).put("changed_at", 1L);
    }

    static SourceRecord record(String op, Struct before, Struct after) {
        Struct envelope = new Struct(ENVELOPE).put("before", before).put("after", after)
                .put("source", new Struct(SOURCE).put("ts_ms", 1_700_000_000_000L).put("gtid", op.equals("r") ? null : "0-1-77"))
                .put("op", op);
        Map<String, ?> offset = op.equals("r") ? Map.of("snapshot", true, "gtids", "0-1-60") : Map.of();
        return new SourceRecord(Map.of(), offset, "rtkv-shard-0.rtkv.kv", ENVELOPE, envelope);
    }

    @Test
    void insertAndUpdateArePuts() {
        assertEquals(Optional.of(new ChangeEvent("demo", "ü/1", ChangeOp.PUT, "{\"n\":1}", 1, null, 1_700_000_000_000L, 3, 77)),
                mapper.map(record("c", null, row("ü/1", "{\"n\":1}", 1))));
        assertEquals(ChangeOp.PUT, mapper.map(record("u", row("a", "1", 1), row("a", "2", 2))).orElseThrow().op());
        assertEquals(2, mapper.map(record("u", row("a", "1", 1), row("a", "2", 2))).orElseThrow().version());
    }

    @Test
    void snapshotRowsArePutsOrDeletes() {
        assertEquals(ChangeOp.PUT, mapper.map(record("r", null, row("a", "1", 4))).orElseThrow().op());
        ChangeEvent tombstone = mapper.map(record("r", null, row("a", null, 5))).orElseThrow();
        assertEquals(ChangeOp.DELETE, tombstone.op());
        assertEquals(5, tombstone.version());
    }

    @Test
    void aStreamedChangeWasWrittenAtItsRowsChangedAtAndASnapshotRowAtNoKnownTime() {
        assertEquals(1L, RowChangeMapper.writtenAt(record("c", null, row("a", "1", 1))));
        assertEquals(1_700_000_000_000L, RowChangeMapper.writtenAt(record("d", row("a", "1", 1), null)),
                "a row deleted by hand: when the shard committed the delete, not the row's last write");
        assertEquals(0L, RowChangeMapper.writtenAt(record("r", null, row("a", "1", 1))), "its age is not a lag");
        assertEquals(0L, RowChangeMapper.writtenAt(new SourceRecord(Map.of(), Map.of(), "__debezium-heartbeat", null, null)));
    }

    @Test
    void writingATombstoneIsADelete() {
        ChangeEvent event = mapper.map(record("u", row("a", "1", 1), row("a", null, 2))).orElseThrow();
        assertEquals(new ChangeEvent("demo", "a", ChangeOp.DELETE, null, 2, null, 1_700_000_000_000L, 3, 77), event);
    }

    @Test
    void aPutCarriesItsExpiryAndATtlChangeIsAPut() {
        ChangeEvent withTtl = mapper.map(record("c", null, row("a", "1", 1, 1_900_000_000_000L, false))).orElseThrow();
        assertEquals(1_900_000_000_000L, withTtl.expiresAt());
        ChangeEvent cleared = mapper.map(record("u", row("a", "1", 1, 1_900_000_000_000L, false),
                row("a", "1", 2, null, false))).orElseThrow();
        assertEquals(ChangeOp.PUT, cleared.op());
        assertEquals(null, cleared.expiresAt());
    }

    @Test
    void theSweepersTombstoneIsAnExpire() {
        ChangeEvent event = mapper.map(record("u", row("a", "1", 4, 1_000L, false), row("a", null, 5, 0L, true)))
                .orElseThrow();
        assertEquals(new ChangeEvent("demo", "a", ChangeOp.EXPIRE, null, 5, null, 1_700_000_000_000L, 3, 77), event);
    }

    @Test
    void eachChangeCarriesItsTransactionsSequenceAndSnapshotRowsTheSnapshots() {
        assertEquals(77, mapper.map(record("c", null, row("a", "1", 1))).orElseThrow().seq());
        assertEquals(60, mapper.map(record("r", null, row("a", "1", 1))).orElseThrow().seq());
    }

    @Test
    void recreatingAKeyContinuesItsVersions() {
        ChangeEvent event = mapper.map(record("u", row("a", null, 2), row("a", "\"back\"", 3))).orElseThrow();
        assertEquals(ChangeOp.PUT, event.op());
        assertEquals(3, event.version());
    }

    @Test
    void garbageCollectingATombstoneAndRewritingOneMeanNothing() {
        assertTrue(mapper.map(record("d", row("a", null, 2), null)).isEmpty());
        assertTrue(mapper.map(record("u", row("a", null, 2), row("a", null, 2))).isEmpty());
    }

    @Test
    void aLiveRowDeletedByHandIsStillADelete() {
        ChangeEvent event = mapper.map(record("d", row("a", "1", 7), null)).orElseThrow();
        assertEquals(ChangeOp.DELETE, event.op());
        assertEquals(8, event.version());
    }

    @Test
    void recordsThatAreNotRowChangesAreSkipped() {
        assertTrue(mapper.map(new SourceRecord(Map.of(), Map.of(), "rtkv-shard-0", null, null)).isEmpty());
        Schema heartbeat = SchemaBuilder.struct().field("ts_ms", Schema.INT64_SCHEMA).build();
        assertTrue(mapper.map(new SourceRecord(Map.of(), Map.of(), "__debezium-heartbeat", heartbeat,
                new Struct(heartbeat).put("ts_ms", 1L))).isEmpty());
    }
}
