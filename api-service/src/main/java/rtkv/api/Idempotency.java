package rtkv.api;

import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.Optional;
import rtkv.schema.ErrorCode;

/**
 * The {@code Idempotency-Key} header of a write. A write sent again with the key it was first sent
 * with gets the first answer and is not applied again. The answer is stored in the write's own
 * transaction on the table's shard (table {@code idempotency}), so it exists exactly when the write
 * committed. A retry of a write that failed runs it again, and a key sent with a different request
 * is refused with 422.
 */
final class Idempotency {

    static final String HEADER = "Idempotency-Key";
    /** Set on an answer that is the stored answer of an earlier request with the same key. */
    static final String REPLAYED = "Idempotent-Replayed";
    private static final int MAX_LENGTH = 128;

    private static final String FIND = "SELECT request, answer, version FROM idempotency WHERE table_id = ? AND idem_key = ?";
    private static final String CLAIM = "INSERT INTO idempotency (table_id, idem_key, request, answer, version, created_at)"
            + " VALUES (?, ?, ?, '', NULL, ?)";
    private static final String ANSWER = "UPDATE idempotency SET answer = ?, version = ? WHERE table_id = ? AND idem_key = ?";
    private static final String SWEEP = "DELETE FROM idempotency WHERE created_at < ? LIMIT ?";

    /** A request's key, and the fingerprint of what the request asks. */
    record Key(String key, byte[] request) {
    }

    /** An answer stored by an earlier request with the same key. */
    record Stored(byte[] request, String answer, Long version) {
    }

    private Idempotency() {
    }

    /**
     * The request's key, or null when it sent none.
     *
     * @param body the request body as read, or "" for a request without one
     */
    static Key of(Context ctx, String body) {
        String key = ctx.header(HEADER);
        if (key == null) {
            return null;
        }
        if (key.isEmpty() || key.length() > MAX_LENGTH || !key.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
            throw ApiException.of(ErrorCode.INVALID_IDEMPOTENCY_KEY, HEADER + " is 1 to " + MAX_LENGTH
                    + " printable ASCII characters without spaces, such as a UUID");
        }
        return new Key(key, fingerprint(ctx.method().name(), ctx.path(), ctx.queryString(), ctx.header("If-Match"),
                ctx.header("If-None-Match"), body));
    }

    /** SHA-256 of the parts of a request that decide what it does, each length-prefixed so none can blur into the next. */
    static byte[] fingerprint(String... parts) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String part : parts) {
                byte[] bytes = part == null ? new byte[0] : part.getBytes(StandardCharsets.UTF_8);
                sha.update(Integer.toString(part == null ? -1 : bytes.length).getBytes(StandardCharsets.US_ASCII));
                sha.update((byte) ':');
                sha.update(bytes);
            }
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** The answer stored under the key by a committed write; a plain read, so it locks nothing. */
    static Optional<Stored> find(Connection c, String table, Key key) throws SQLException {
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
    static void claim(Connection c, String table, Key key, long now) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(CLAIM)) {
            s.setString(1, table);
            s.setString(2, key.key());
            s.setBytes(3, key.request());
            s.setLong(4, now);
            s.executeUpdate();
        }
    }

    /** Stores the answer in the row {@link #claim} inserted, in the same transaction. */
    static void answer(Connection c, String table, Key key, String answer, Long version) throws SQLException {
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

    static ApiException reused(String table, Key key, int retentionSeconds) {
        return ApiException.of(ErrorCode.IDEMPOTENCY_KEY_REUSED, HEADER + " " + key.key() + " was sent with another request"
                + " to table " + table + " within the last " + retentionSeconds + " s; send a new key with a new request");
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
