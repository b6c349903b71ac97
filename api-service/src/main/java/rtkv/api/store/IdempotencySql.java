package rtkv.api.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.Optional;

/**
 * Answers kept under idempotency keys, in table {@code idempotency} of the written table's shard, in the
 * write's own transaction: an answer exists exactly when its write committed.
 */
final class IdempotencySql {

    private static final String FIND = "SELECT request, answer, version FROM idempotency WHERE table_id = ? AND idem_key = ?";
    private static final String CLAIM = "INSERT INTO idempotency (table_id, idem_key, request, answer, version, created_at)"
            + " VALUES (?, ?, ?, '', NULL, ?)";
    private static final String ANSWER = "UPDATE idempotency SET answer = ?, version = ? WHERE table_id = ? AND idem_key = ?";
    private static final String SWEEP = "DELETE FROM idempotency WHERE created_at < ? LIMIT ?";

    /** An answer stored by an earlier request with the same key. */
    record Stored(byte[] request, String answer, Long version) {
    }

    private IdempotencySql() {
    }

    /** The answer stored under the key by a committed write; a plain read, so it locks nothing. */
    static Optional<Stored> find(Connection c, String table, IdempotencyKey key) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(FIND)) {
            s.setString(1, table);
            s.setString(2, key.key());
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                long version = rs.getLong(3);
                return Optional.of(new Stored(rs.getBytes(1), rs.getString(2), rs.wasNull() ? null : version));
            }
        }
    }

    /**
     * Inserts the key's row before the write runs. A request in flight with the same key holds that row
     * until it ends, so this insert waits for it, then fails as a duplicate if it committed.
     */
    static void claim(Connection c, String table, IdempotencyKey key, long now) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(CLAIM)) {
            s.setString(1, table);
            s.setString(2, key.key());
            s.setBytes(3, key.request());
            s.setLong(4, now);
            s.executeUpdate();
        }
    }

    /** Stores the answer in the row {@link #claim} inserted, in the same transaction. */
    static void answer(Connection c, String table, IdempotencyKey key, String answer, Long version) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(ANSWER)) {
            s.setString(1, answer);
            if (version == null) {
                s.setNull(2, Types.BIGINT);
            } else {
                s.setLong(2, version);
            }
            s.setString(3, table);
            s.setString(4, key.key());
            s.executeUpdate();
        }
    }

    static StoreException reused(String table, IdempotencyKey key, int retentionSeconds) {
        return StoreException.of(StoreException.Failure.IDEMPOTENCY_KEY_REUSED, "Idempotency-Key " + key.key()
                + " was sent with another request to table " + table + " within the last " + retentionSeconds
                + " s; send a new key with a new request");
    }

    /** Removes up to {@code limit} answers stored before {@code cutoff}; answers how many. */
    static int sweep(Connection c, long cutoff, int limit) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(SWEEP)) {
            s.setLong(1, cutoff);
            s.setInt(2, limit);
            return s.executeUpdate();
        }
    }
}
