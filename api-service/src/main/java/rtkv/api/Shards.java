package rtkv.api;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import rtkv.schema.ShardMap;

/** A connection pool per shard, and which one holds a table. */
final class Shards implements AutoCloseable {

    private final ShardMap map;
    private final List<HikariDataSource> pools = new ArrayList<>();

    Shards(ApiConfig config) {
        this.map = ShardMap.evenlySplit(config.shardUrls().size());
        for (int i = 0; i < config.shardUrls().size(); i++) {
            HikariConfig hikari = new HikariConfig();
            hikari.setPoolName("rtkv-shard-" + i);
            hikari.setJdbcUrl(config.shardUrls().get(i));
            hikari.setUsername(config.dbUser());
            hikari.setPassword(config.dbPassword());
            hikari.setMaximumPoolSize(config.poolSize());
            hikari.setMinimumIdle(Math.min(2, config.poolSize()));
            // A shard that cannot give a connection quickly is down: answer 503 rather than queue.
            hikari.setConnectionTimeout(2_000);
            // Row-based binlog makes READ COMMITTED safe, and it takes no gap locks.
            hikari.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
            // Start even when a shard is down; /readyz says so and requests to it get 503.
            hikari.setInitializationFailTimeout(-1);
            pools.add(new HikariDataSource(hikari));
        }
    }

    int shardOf(String table) {
        return map.shardOf(table);
    }

    Connection connectionFor(int shard) throws SQLException {
        return pools.get(shard).getConnection();
    }

    /** Every shard hands out a live connection. */
    boolean allReachable() {
        for (HikariDataSource pool : pools) {
            try (Connection connection = pool.getConnection()) {
                if (!connection.isValid(1)) {
                    return false;
                }
            } catch (SQLException e) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        pools.forEach(HikariDataSource::close);
    }
}
