package rtkv.api.store;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Every operation on a key is one statement on one row: it locks that row for the statement alone and
 * decides inside the statement, never by reading first. The outcome comes back in the same round trip:
 * the new or current version through {@code LAST_INSERT_ID(expr)} in the OK packet, and whether the
 * row changed in the affected-row count (connections run with {@code useAffectedRows}).
 *
 * <p>A key is live when {@code expires_at IS NULL OR expires_at > now}; tombstones have
 * {@code expires_at = 0}, so one column answers it. In the conditional forms every {@code IF} reads
 * only columns that are assigned after it, because MySQL assigns left to right and later expressions
 * see earlier assignments.
 */
final class KeySql {

    private static final String LIVE = "(expires_at IS NULL OR expires_at > ?)";
    private static final String COLUMNS = "(table_id, k, v, version, expires_at, expired, changed_at)";
    private static final String INTEGER = "'^-?[0-9]{1,19}$'";
    private static final Pattern INTEGER_TEXT = Pattern.compile("-?[0-9]{1,19}");
    // The version a new row starts at: above every tombstone of its table the sweeper removed. The shared
    // lock waits for a sweeper removing some, so a write that finds its key's row gone sees their floor.
    private static final String FIRST_VERSION = "COALESCE((SELECT floor FROM kv_floor WHERE table_id = ?"
            + " LOCK IN SHARE MODE), 0) + 1";
    // Before a table's first tombstone, so the sweeper always finds a floor row to lock when it removes one.
    private static final String FLOOR_ROW = "INSERT IGNORE INTO kv_floor (table_id, floor) VALUES (?, 0)";

    private static final String PUT = "INSERT INTO kv " + COLUMNS
            + " VALUES (?, ?, ?, LAST_INSERT_ID(" + FIRST_VERSION + "), ?, FALSE, ?) ON DUPLICATE KEY UPDATE"
            + " version = LAST_INSERT_ID(version + 1), v = VALUES(v), expires_at = VALUES(expires_at),"
            + " expired = FALSE, changed_at = VALUES(changed_at)";
    // Revives a tombstone or an expired key, leaves a live key alone and reports its version.
    private static final String CREATE = "INSERT INTO kv " + COLUMNS
            + " VALUES (?, ?, ?, LAST_INSERT_ID(" + FIRST_VERSION + "), ?, FALSE, ?) ON DUPLICATE KEY UPDATE"
            + " version = LAST_INSERT_ID(IF(expires_at <= ?, version + 1, version)),"
            + " v = IF(expires_at <= ?, VALUES(v), v),"
            + " expired = IF(expires_at <= ?, FALSE, expired),"
            + " changed_at = IF(expires_at <= ?, VALUES(changed_at), changed_at),"
            + " expires_at = IF(expires_at <= ?, VALUES(expires_at), expires_at)";
    private static final String REPLACE_IF = "UPDATE kv SET v = IF(version = ?, ?, v),"
            + " expires_at = IF(version = ?, ?, expires_at), changed_at = IF(version = ?, ?, changed_at),"
            + " version = LAST_INSERT_ID(IF(version = ?, version + 1, version))"
            + " WHERE table_id = ? AND k = ? AND " + LIVE;
    private static final String GET = "SELECT v, version, expires_at FROM kv WHERE table_id = ? AND k = ? AND " + LIVE;
    private static final String DELETE = "UPDATE kv SET v = NULL, expires_at = 0, expired = FALSE, changed_at = ?,"
            + " version = LAST_INSERT_ID(version + 1) WHERE table_id = ? AND k = ? AND " + LIVE;
    private static final String DELETE_IF = "UPDATE kv SET v = IF(version = ?, NULL, v),"
            + " expires_at = IF(version = ?, 0, expires_at), changed_at = IF(version = ?, ?, changed_at),"
            + " version = LAST_INSERT_ID(IF(version = ?, version + 1, version))"
            + " WHERE table_id = ? AND k = ? AND " + LIVE;
    private static final String TTL = "UPDATE kv SET expires_at = ?, changed_at = ?, version = LAST_INSERT_ID(version + 1)"
            + " WHERE table_id = ? AND k = ? AND " + LIVE;
    // A missing or dead key starts from the increment; a live non-integer is left alone, and the
    // caller tells it from the returned value.
    private static final String INCR = "INSERT INTO kv " + COLUMNS
            + " VALUES (?, ?, ?, " + FIRST_VERSION + ", NULL, FALSE, ?) ON DUPLICATE KEY UPDATE"
            + " version = IF(expires_at <= ? OR v REGEXP " + INTEGER + ", version + 1, version),"
            + " changed_at = IF(expires_at <= ? OR v REGEXP " + INTEGER + ", VALUES(changed_at), changed_at),"
            + " expired = IF(expires_at <= ?, FALSE, expired),"
            + " v = IF(expires_at <= ?, VALUES(v), IF(v REGEXP " + INTEGER + ", CAST(CAST(v AS SIGNED) + ? AS CHAR), v)),"
            + " expires_at = IF(expires_at <= ?, NULL, expires_at)"
            + " RETURNING v, version, expires_at";

    private static final int ER_DATA_OUT_OF_RANGE = 1690;
    private static final int ER_TRUNCATED_WRONG_VALUE = 1292;

    private KeySql() {
    }

    static Entry put(Connection c, String table, String key, String value, Long expiresAt, Precondition precondition,
                     long now) throws SQLException {
        if (precondition instanceof Precondition.IfNoneMatch) {
            try (PreparedStatement s = c.prepareStatement(CREATE, Statement.RETURN_GENERATED_KEYS)) {
                bind(s, table, key(key), value, table, expiresAt, now, now, now, now, now, now);
                boolean written = s.executeUpdate() > 0;
                long version = generated(s).orElseThrow();
                if (!written) {
                    throw StoreException.versionMismatch("key \"" + key + "\" already exists", version);
                }
                return new Entry(key, null, version, expiresAt);
            }
        }
        if (precondition instanceof Precondition.IfMatch match) {
            long v = match.version();
            try (PreparedStatement s = c.prepareStatement(REPLACE_IF, Statement.RETURN_GENERATED_KEYS)) {
                bind(s, v, value, v, expiresAt, v, now, v, table, key(key), now);
                boolean written = s.executeUpdate() > 0;
                Optional<Long> version = generated(s);
                if (!written) {
                    throw mismatch(key, v, version);
                }
                return new Entry(key, null, version.orElseThrow(), expiresAt);
            }
        }
        try (PreparedStatement s = c.prepareStatement(PUT, Statement.RETURN_GENERATED_KEYS)) {
            bind(s, table, key(key), value, table, expiresAt, now);
            s.executeUpdate();
            return new Entry(key, null, generated(s).orElseThrow(), expiresAt);
        }
    }

    static Optional<Entry> get(Connection c, String table, String key, long now) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(GET)) {
            bind(s, table, key(key), now);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(new Entry(key, rs.getString(1), rs.getLong(2), nullableLong(rs, 3)))
                        : Optional.empty();
            }
        }
    }

    static Entry delete(Connection c, String table, String key, Precondition precondition, long now)
            throws SQLException {
        if (precondition instanceof Precondition.IfNoneMatch) {
            throw StoreException.of(StoreException.Failure.INVALID_CONDITION, "If-None-Match: * makes no sense on a delete");
        }
        ensureFloorRow(c, table);
        if (precondition instanceof Precondition.IfMatch match) {
            long v = match.version();
            try (PreparedStatement s = c.prepareStatement(DELETE_IF, Statement.RETURN_GENERATED_KEYS)) {
                bind(s, v, v, v, now, v, table, key(key), now);
                boolean written = s.executeUpdate() > 0;
                Optional<Long> version = generated(s);
                if (!written) {
                    throw mismatch(key, v, version);
                }
                return new Entry(key, null, version.orElseThrow(), null);
            }
        }
        try (PreparedStatement s = c.prepareStatement(DELETE, Statement.RETURN_GENERATED_KEYS)) {
            bind(s, now, table, key(key), now);
            if (s.executeUpdate() == 0) {
                throw StoreException.of(StoreException.Failure.NOT_FOUND, "no key \"" + key + "\" in table " + table);
            }
            return new Entry(key, null, generated(s).orElseThrow(), null);
        }
    }

    /** Before a key of the table becomes a tombstone: the row the sweeper locks to remove tombstones. */
    static void ensureFloorRow(Connection c, String table) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(FLOOR_ROW)) {
            s.setString(1, table);
            s.executeUpdate();
        }
    }

    static Entry setTtl(Connection c, String table, String key, Long expiresAt, long now) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(TTL, Statement.RETURN_GENERATED_KEYS)) {
            bind(s, expiresAt, now, table, key(key), now);
            if (s.executeUpdate() == 0) {
                throw StoreException.of(StoreException.Failure.NOT_FOUND, "no key \"" + key + "\" in table " + table);
            }
            return new Entry(key, null, generated(s).orElseThrow(), expiresAt);
        }
    }

    static Entry increment(Connection c, String table, String key, long by, long now) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(INCR)) {
            bind(s, table, key(key), Long.toString(by), table, now, now, now, now, now, by, now);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                String value = rs.getString(1);
                if (!INTEGER_TEXT.matcher(value).matches()) {
                    throw StoreException.of(StoreException.Failure.NOT_A_NUMBER,
                            "the value of key \"" + key + "\" is " + abbreviate(value) + ", not an integer; incr adds to integers");
                }
                return new Entry(key, value, rs.getLong(2), nullableLong(rs, 3));
            }
        } catch (SQLException e) {
            if (e.getErrorCode() == ER_DATA_OUT_OF_RANGE || e.getErrorCode() == ER_TRUNCATED_WRONG_VALUE) {
                throw StoreException.of(StoreException.Failure.OUT_OF_RANGE,
                        "adding " + by + " to key \"" + key + "\" leaves the range of 64-bit integers");
            }
            throw e;
        }
    }

    /** Live keys of a table in key order, starting after {@code after} and within {@code prefix}. */
    static List<Entry> list(Connection c, String table, String prefix, String after, int limit, long now)
            throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT k, v, version, expires_at FROM kv WHERE table_id = ?");
        List<Object> args = new ArrayList<>(List.of(table));
        if (!after.isEmpty()) {
            sql.append(" AND k > ?");
            args.add(key(after));
        }
        if (!prefix.isEmpty()) {
            byte[] start = key(prefix);
            sql.append(" AND k >= ?");
            args.add(start);
            byte[] end = KeyRange.successor(start);
            if (end != null) {
                sql.append(" AND k < ?");
                args.add(end);
            }
        }
        sql.append(" AND ").append(LIVE).append(" ORDER BY k LIMIT ?");
        args.add(now);
        args.add(limit);
        try (PreparedStatement s = c.prepareStatement(sql.toString())) {
            bind(s, args.toArray());
            List<Entry> entries = new ArrayList<>(limit);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    entries.add(new Entry(new String(rs.getBytes(1), StandardCharsets.UTF_8),
                            rs.getString(2), rs.getLong(3), nullableLong(rs, 4)));
                }
            }
            return entries;
        }
    }

    private static StoreException mismatch(String key, long expected, Optional<Long> current) {
        if (current.isEmpty()) {
            return StoreException.versionMismatch("key \"" + key + "\" does not exist, so it is not at version "
                    + expected, null);
        }
        return StoreException.versionMismatch("key \"" + key + "\" is at version " + current.get() + ", not "
                + expected, current.get());
    }

    private static byte[] key(String key) {
        return key.getBytes(StandardCharsets.UTF_8);
    }

    private static Optional<Long> generated(PreparedStatement statement) throws SQLException {
        try (ResultSet keys = statement.getGeneratedKeys()) {
            if (keys.next()) {
                long value = keys.getLong(1);
                return value > 0 ? Optional.of(value) : Optional.empty();
            }
            return Optional.empty();
        }
    }

    private static Long nullableLong(ResultSet rs, int column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : value;
    }

    private static void bind(PreparedStatement statement, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            Object arg = args[i];
            if (arg == null) {
                statement.setNull(i + 1, Types.BIGINT);
            } else if (arg instanceof byte[] bytes) {
                statement.setBytes(i + 1, bytes);
            } else {
                statement.setObject(i + 1, arg);
            }
        }
    }

    private static String abbreviate(String json) {
        return json.length() <= 40 ? json : json.substring(0, 37) + "...";
    }
}
