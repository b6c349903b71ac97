package rtkv.api.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import io.micrometer.core.instrument.MeterRegistry;
import rtkv.schema.ShardMap;

/** A connection pool per shard, which one holds a table, and how many requests may wait for each. */
public final class Shards implements AutoCloseable {

    private final ShardMap map;
    private final List<HikariDataSource> pools = new ArrayList<>();
    private final List<Semaphore> admissions = new ArrayList<>();

    /** @param meters where each pool's connections in use, idle and waited for are counted (hikaricp_*) */
    public Shards(StoreConfig config, MeterRegistry meters) {
        this.map = config.shardMap();
        for (int i = 0; i < config.shardUrls().size(); i++) {
            HikariConfig hikari = new HikariConfig();
            hikari.setPoolName("rtkv-shard-" + i);
            hikari.setJdbcUrl(config.shardUrls().get(i));
            hikari.setUsername(config.dbUser());
            hikari.setPassword(config.dbPassword());
            hikari.setMaximumPoolSize(config.poolSize());
            hikari.setMinimumIdle(Math.min(2, config.poolSize()));
            // A shard that cannot give a connection quickly is down: fail the request rather than queue it.
            hikari.setConnectionTimeout(2_000);
            // Row-based binlog makes READ COMMITTED safe, and it takes no gap locks.
            hikari.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
            // Conditional writes tell "applied" from "left alone" by the rows they changed, not matched.
            hikari.addDataSourceProperty("useAffectedRows", "true");
            // Server-side prepared statements: tables, keys and values travel as typed parameters of
            // the binary protocol, never spliced into SQL text, not even escaped.
            hikari.addDataSourceProperty("useServerPrepStmts", "true");
            config.dbTls().jdbcProperties().forEach(hikari::addDataSourceProperty);
            // Start even when a shard is down; allReachable() says so and requests to it fail as unavailable.
            hikari.setInitializationFailTimeout(-1);
            hikari.setMetricRegistry(meters);
            pools.add(new HikariDataSource(hikari));
            admissions.add(new Semaphore(config.poolSize() + config.queuePerShard()));
        }
    }

    int count() {
        return pools.size();
    }

    /** Public for the integration tests that sweep the shard of a table of theirs. */
    public int shardOf(String table) {
        return map.shardOf(table);
    }

    /** Admits a request to the shard unless too many already use or wait for its connections. */
    boolean tryEnter(int shard) {
        return admissions.get(shard).tryAcquire();
    }

    void leave(int shard) {
        admissions.get(shard).release();
    }

    Connection connectionFor(int shard) throws SQLException {
        return pools.get(shard).getConnection();
    }

    /** Every shard hands out a live connection. */
    public boolean allReachable() {
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
