package rtkv.api;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keys on the shards. Each write is one statement on one row in autocommit, so it locks exactly that
 * row for the length of one statement. The new version comes back in the OK packet through
 * {@code LAST_INSERT_ID(expr)}: no second round trip, no read-then-write race, and it works the same
 * on MariaDB and MySQL.
 */
final class KvStore {

    private static final Logger LOG = LoggerFactory.getLogger(KvStore.class);

    // A tombstone (v IS NULL) keeps its version, so a re-created key continues from it.
    private static final String PUT = "INSERT INTO kv (table_id, k, v, version) VALUES (?, ?, ?, LAST_INSERT_ID(1)) "
            + "ON DUPLICATE KEY UPDATE v = VALUES(v), version = LAST_INSERT_ID(version + 1)";
    private static final String GET = "SELECT v, version FROM kv WHERE table_id = ? AND k = ? AND v IS NOT NULL";
    private static final String DELETE = "UPDATE kv SET v = NULL, version = LAST_INSERT_ID(version + 1) "
            + "WHERE table_id = ? AND k = ? AND v IS NOT NULL";

    private static final int ER_LOCK_DEADLOCK = 1213;
    private static final int ER_LOCK_WAIT_TIMEOUT = 1205;
    private static final int ATTEMPTS = 3;

    private final Shards shards;

    KvStore(Shards shards) {
        this.shards = shards;
    }

    record Entry(String value, long version) {
    }

    /** Creates or replaces the key; answers its new version. */
    long put(String table, String key, String value) {
        return withRetry(table, connection -> {
            try (PreparedStatement statement = connection.prepareStatement(PUT, Statement.RETURN_GENERATED_KEYS)) {
                statement.setString(1, table);
                statement.setBytes(2, key.getBytes(StandardCharsets.UTF_8));
                statement.setString(3, value);
                statement.executeUpdate();
                return newVersion(statement);
            }
        });
    }

    Optional<Entry> get(String table, String key) {
        return withRetry(table, connection -> {
            try (PreparedStatement statement = connection.prepareStatement(GET)) {
                statement.setString(1, table);
                statement.setBytes(2, key.getBytes(StandardCharsets.UTF_8));
                try (ResultSet rs = statement.executeQuery()) {
                    return rs.next() ? Optional.of(new Entry(rs.getString(1), rs.getLong(2))) : Optional.empty();
                }
            }
        });
    }

    /** Turns the key into a tombstone; answers its new version, or empty when there was no such key. */
    OptionalLong delete(String table, String key) {
        return withRetry(table, connection -> {
            try (PreparedStatement statement = connection.prepareStatement(DELETE, Statement.RETURN_GENERATED_KEYS)) {
                statement.setString(1, table);
                statement.setBytes(2, key.getBytes(StandardCharsets.UTF_8));
                if (statement.executeUpdate() == 0) {
                    return OptionalLong.empty();
                }
                return OptionalLong.of(newVersion(statement));
            }
        });
    }

    private static long newVersion(PreparedStatement statement) throws SQLException {
        try (ResultSet keys = statement.getGeneratedKeys()) {
            if (!keys.next()) {
                throw new SQLException("the shard did not return the new version");
            }
            return keys.getLong(1);
        }
    }

    private interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    /** Retries what InnoDB reports as retriable (deadlock victim, lock wait timeout), with backoff. */
    private <T> T withRetry(String table, Work<T> work) {
        int shard = shards.shardOf(table);
        for (int attempt = 1; ; attempt++) {
            try (Connection connection = shards.connectionFor(shard)) {
                return work.run(connection);
            } catch (SQLTransientConnectionException e) {
                throw ApiException.unavailable("shard " + shard + " is unavailable; nothing was written");
            } catch (SQLException e) {
                boolean retriable = e.getErrorCode() == ER_LOCK_DEADLOCK || e.getErrorCode() == ER_LOCK_WAIT_TIMEOUT;
                if (!retriable || attempt == ATTEMPTS) {
                    if (e.getSQLState() != null && e.getSQLState().startsWith("08")) {
                        // The statement may have committed before the connection broke.
                        throw ApiException.unavailable("lost the connection to shard " + shard
                                + "; a write may or may not have been applied, read the key to find out");
                    }
                    LOG.error("shard {}: {} (SQLState {}, error {})", shard, e.getMessage(), e.getSQLState(), e.getErrorCode());
                    throw new ApiException(500, "internal", "the shard failed the request; it was logged");
                }
                pause(10L << (2 * attempt));
            }
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("interrupted");
        }
    }
}
