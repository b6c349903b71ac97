package rtkv.schema;

import java.util.Objects;

/**
 * One committed change of one key, as the relay publishes it on topic {@code rtkv.changes} with the
 * table as record key. Its JSON form is {@link ChangeEventJson}; the contract for downstream
 * consumers is {@code rtkv/schema/change-event.schema.json}.
 *
 * @param table       the table's name
 * @param key         the key
 * @param op          what happened
 * @param value       the new value as compact JSON text for {@link ChangeOp#PUT} ({@code "null"} for a JSON
 *                    null); {@code null} for the other ops
 * @param version     the key's version after the change: it only grows, also across delete and re-create
 * @param expiresAt   for a put, when the key's time to live ends in milliseconds since the epoch, or
 *                    {@code null} when it has none; always {@code null} for the other ops
 * @param committedAt commit time in the shard's binlog, milliseconds since the epoch (MariaDB records
 *                    whole seconds)
 * @param shard       the shard the change was committed on
 * @param seq         the sequence number of the transaction's GTID on that shard: every change of the
 *                    shard committed later has a higher one. A row the relay read in its initial
 *                    snapshot carries the snapshot's GTID sequence: it is the row as of that point
 */
public record ChangeEvent(String table, String key, ChangeOp op, String value, long version, Long expiresAt,
                          long committedAt, int shard, long seq) {

    public ChangeEvent {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(op, "op");
        if ((op == ChangeOp.PUT) != (value != null)) {
            throw new IllegalArgumentException("a put carries a value, a delete or expire carries none");
        }
        if (op != ChangeOp.PUT && expiresAt != null) {
            throw new IllegalArgumentException("only a put carries an expiry");
        }
        if (version < 1) {
            throw new IllegalArgumentException("version must be at least 1, was " + version);
        }
    }
}
