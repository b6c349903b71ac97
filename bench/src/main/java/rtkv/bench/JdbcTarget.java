package rtkv.bench;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import rtkv.schema.ShardMap;

/**
 * The same workload straight to the shards: the statements api-service runs for a plain get, put and
 * delete, on one connection per shard per benchmark thread. The ratio to {@link HttpTarget} is what
 * HTTP, validation, JSON and pooling cost.
 */
final class JdbcTarget implements Target {

    private static final String GET = "SELECT v, version, expires_at FROM kv WHERE table_id = ? AND k = ?"
            + " AND (expires_at IS NULL OR expires_at > ?)";
    private static final String PUT = "INSERT INTO kv (table_id, k, v, version, expires_at, expired, changed_at)"
            + " VALUES (?, ?, ?, LAST_INSERT_ID(1), NULL, FALSE, ?) ON DUPLICATE KEY UPDATE"
            + " version = LAST_INSERT_ID(version + 1), v = VALUES(v), expires_at = VALUES(expires_at),"
            + " expired = FALSE, changed_at = VALUES(changed_at)";
    private static final String DELETE = "UPDATE kv SET v = NULL, expires_at = 0, expired = FALSE, changed_at = ?,"
            + " version = LAST_INSERT_ID(version + 1) WHERE table_id = ? AND k = ? AND (expires_at IS NULL OR expires_at > ?)";

    private final ShardMap map;
    private final List<Connection> shards = new ArrayList<>();

    JdbcTarget(List<String> urls, String user, String password) throws SQLException {
        this.map = ShardMap.evenlySplit(urls.size());
        for (String url : urls) {
            shards.add(DriverManager.getConnection(url + "?useAffectedRows=true", user, password));
        }
    }

    @Override
    public boolean run(Mix op, String table, String key, String value) throws SQLException {
        execute(op, table, key, value);
        return true;
    }

    /** Runs one operation; answers a get's value, read as api-service reads it, or null for a missing key and a write. */
    String execute(Mix op, String table, String key, String value) throws SQLException {
        Connection c = shards.get(map.shardOf(table));
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        long now = System.currentTimeMillis();
        switch (op) {
            case GET -> {
                try (PreparedStatement s = c.prepareStatement(GET)) {
                    s.setString(1, table);
                    s.setBytes(2, k);
                    s.setLong(3, now);
                    try (ResultSet rs = s.executeQuery()) {
                        return rs.next() ? rs.getString(1) : null;
                    }
                }
            }
            case PUT -> {
                try (PreparedStatement s = c.prepareStatement(PUT, PreparedStatement.RETURN_GENERATED_KEYS)) {
                    s.setString(1, table);
                    s.setBytes(2, k);
                    s.setString(3, value);
                    s.setLong(4, now);
                    s.executeUpdate();
                    s.getGeneratedKeys().close();
                }
            }
            case DELETE -> {
                try (PreparedStatement s = c.prepareStatement(DELETE, PreparedStatement.RETURN_GENERATED_KEYS)) {
                    s.setLong(1, now);
                    s.setString(2, table);
                    s.setBytes(3, k);
                    s.setLong(4, now);
                    s.executeUpdate();
                }
            }
        }
        return null;
    }

    @Override
    public void close() throws SQLException {
        for (Connection c : shards) {
            c.close();
        }
    }
}
