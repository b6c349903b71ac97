package rtkv.relay;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import rtkv.schema.ChangeEvent;
import rtkv.schema.ChangeOp;
import rtkv.schema.Gtid;

/**
 * Turns Debezium's row events on table {@code kv} into change events. A delete or an expiry is a
 * tombstone (the row stays with {@code v = NULL} so the key's version lives on, and column
 * {@code expired} says which it was); a physical DELETE of a tombstone is garbage collection and means
 * nothing to subscribers.
 */
final class RowChangeMapper {

    private static final Logger LOG = LoggerFactory.getLogger(RowChangeMapper.class);

    private final int shard;

    RowChangeMapper(int shard) {
        this.shard = shard;
    }

    Optional<ChangeEvent> map(SourceRecord record) {
        if (!(record.value() instanceof Struct envelope) || envelope.schema().field("op") == null) {
            return Optional.empty(); // heartbeats, schema changes
        }
        Struct before = envelope.getStruct("before");
        Struct after = envelope.getStruct("after");
        Struct source = envelope.getStruct("source");
        long committedAt = source.getInt64("ts_ms");
        long seq = sequence(record, source);
        if (after != null) {
            String value = after.getString("v");
            if (value != null) {
                return Optional.of(event(after, ChangeOp.PUT, value, after.getInt64("version"), expiresAt(after),
                        committedAt, seq));
            }
            if (before != null && before.getString("v") == null) {
                return Optional.empty(); // a tombstone rewritten: nothing changed for a reader
            }
            ChangeOp op = isTrue(after.get("expired")) ? ChangeOp.EXPIRE : ChangeOp.DELETE;
            return Optional.of(event(after, op, null, after.getInt64("version"), null, committedAt, seq));
        }
        if (before == null || before.getString("v") == null) {
            return Optional.empty();
        }
        // Only api-service should write; a live row deleted by hand still reaches subscribers.
        LOG.atWarn().addKeyValue("table", before.getString("table_id"))
                .log("shard {}: a live row of table {} was deleted outside api-service; publishing it as a delete",
                        shard, before.getString("table_id"));
        return Optional.of(event(before, ChangeOp.DELETE, null, before.getInt64("version") + 1, null, committedAt, seq));
    }

    /**
     * When api-service wrote the row (its changed_at, in milliseconds), else when the shard committed it
     * (the binlog's timestamp, whole seconds on MariaDB): a row deleted outside api-service (its
     * changed_at is its last write's, not the delete's). 0 for what is not a change streamed from the
     * binlog, a row of Debezium's initial snapshot included (its age is not a lag).
     */
    static long writtenAt(SourceRecord record) {
        if (!(record.value() instanceof Struct envelope) || envelope.schema().field("op") == null
                || "r".equals(envelope.getString("op"))) {
            return 0;
        }
        Struct row = envelope.getStruct("after");
        if (row != null && row.schema().field("changed_at") != null && row.get("changed_at") instanceof Number n) {
            return n.longValue();
        }
        return envelope.getStruct("source").getInt64("ts_ms");
    }

    private ChangeEvent event(Struct row, ChangeOp op, String value, long version, Long expiresAt, long committedAt,
                              long seq) {
        return new ChangeEvent(row.getString("table_id"), key(row.get("k")), op, value, version, expiresAt, committedAt,
                shard, seq);
    }

    /**
     * The transaction's GTID sequence. A row read by Debezium's initial snapshot has no transaction; it
     * is the row as of the snapshot's GTID position, which its source offset carries, so it gets that.
     */
    private static long sequence(SourceRecord record, Struct source) {
        String gtid = source.schema().field("gtid") == null ? null : source.getString("gtid");
        if (gtid == null && record.sourceOffset() != null && record.sourceOffset().get("gtids") instanceof String position) {
            gtid = position;
        }
        return Gtid.sequence(gtid);
    }

    /** A live row's expiry; 0 and below only ever mark tombstones. */
    private static Long expiresAt(Struct row) {
        Object expiresAt = row.get("expires_at");
        return expiresAt instanceof Number n && n.longValue() > 0 ? n.longValue() : null;
    }

    /** Debezium gives a BOOLEAN column as a Boolean or, for TINYINT(1), as a number. */
    private static boolean isTrue(Object flag) {
        return flag instanceof Boolean b ? b : flag instanceof Number n && n.intValue() != 0;
    }

    private static String key(Object raw) {
        if (raw instanceof ByteBuffer buffer) {
            ByteBuffer copy = buffer.duplicate();
            byte[] bytes = new byte[copy.remaining()];
            copy.get(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        }
        return new String((byte[]) raw, StandardCharsets.UTF_8);
    }
}
