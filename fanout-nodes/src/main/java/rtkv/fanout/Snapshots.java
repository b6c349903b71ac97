package rtkv.fanout;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import rtkv.schema.Gtid;
import rtkv.schema.ShardMap;

/**
 * Reads a table from its shard in a consistent snapshot, together with the GTID of that snapshot
 * (MariaDB reports the binlog position a consistent snapshot corresponds to): every change with a
 * higher sequence is newer than the rows read, every change up to it is in them. Nothing is guessed.
 */
final class Snapshots implements AutoCloseable {

    private static final String GTID = "SELECT BINLOG_GTID_POS("
            + "(SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'BINLOG_SNAPSHOT_FILE'),"
            + "(SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'BINLOG_SNAPSHOT_POSITION'))";
    private static final String ROWS = "SELECT k, v, version, expires_at FROM kv WHERE table_id = ?";
    private static final String VALUE = "SELECT v FROM kv WHERE table_id = ? AND k = ? AND v IS NOT NULL";

    private final ShardMap map;
    private final List<HikariDataSource> pools = new ArrayList<>();

    Snapshots(FanoutConfig config) {
        this.map = config.shardMap();
        for (int i = 0; i < config.shardUrls().size(); i++) {
            HikariConfig hikari = new HikariConfig();
            hikari.setPoolName("rtkv-snapshots-" + i);
            hikari.setJdbcUrl(config.shardUrls().get(i));
            hikari.setUsername(config.dbUser());
            hikari.setPassword(config.dbPassword());
            hikari.setMaximumPoolSize(4);
            hikari.setMinimumIdle(1);
            hikari.setConnectionTimeout(5_000);
            hikari.setTransactionIsolation("TRANSACTION_REPEATABLE_READ");
            hikari.setInitializationFailTimeout(-1);
            // Table names and keys travel as typed parameters, never inside SQL text.
            hikari.addDataSourceProperty("useServerPrepStmts", "true");
            config.dbTls().jdbcProperties().forEach(hikari::addDataSourceProperty);
            pools.add(new HikariDataSource(hikari));
        }
    }

    /** A table's rows, tombstones included, and the GTID sequence they are the state at. */
    record Snapshot(Map<String, Entry> entries, long covered) {
    }

    int shardOf(String table) {
        return map.shardOf(table);
    }

    Snapshot read(String table) throws SQLException {
        try (Connection c = pools.get(shardOf(table)).getConnection(); Statement s = c.createStatement()) {
            s.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT");
            try {
                long covered;
                try (ResultSet rs = s.executeQuery(GTID)) {
                    covered = covered(rs.next() ? rs.getString(1) : null);
                }
                Map<String, Entry> entries = new HashMap<>();
                try (PreparedStatement rows = c.prepareStatement(ROWS)) {
                    rows.setString(1, table);
                    try (ResultSet rs = rows.executeQuery()) {
                        while (rs.next()) {
                            long expiresAt = rs.getLong(4);
                            Long expiry = rs.wasNull() || expiresAt <= 0 ? null : expiresAt;
                            entries.put(new String(rs.getBytes(1), StandardCharsets.UTF_8),
                                    new Entry(rs.getString(2), rs.getLong(3), expiry));
                        }
                    }
                }
                return new Snapshot(entries, covered);
            } finally {
                s.execute("COMMIT");
            }
        }
    }

    /**
     * The GTID sequence a snapshot holds every change up to. MariaDB answers NULL when it cannot tell
     * (its binlog is off, or the snapshot's binlog file is gone): taking that as 0 would apply again,
     * over the snapshot, every change the feed buffered while it was read, so the read fails instead.
     */
    static long covered(String position) throws SQLException {
        if (position == null) {
            throw new SQLException("the shard did not say which GTID position the snapshot is at (is its binlog on?)");
        }
        return Gtid.sequence(position);
    }

    /** One key's value as stored now, or empty: for a row the feed has not brought here yet. */
    Optional<String> readValue(String table, String key) throws SQLException {
        try (Connection c = pools.get(shardOf(table)).getConnection(); PreparedStatement s = c.prepareStatement(VALUE)) {
            s.setString(1, table);
            s.setBytes(2, key.getBytes(StandardCharsets.UTF_8));
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }

    @Override
    public void close() {
        pools.forEach(HikariDataSource::close);
    }
}
