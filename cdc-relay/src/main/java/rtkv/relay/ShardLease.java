package rtkv.relay;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The right to be the one relay of a shard: MariaDB's named lock {@code GET_LOCK}, taken on the shard
 * itself and held by one connection. The server releases it the moment that connection ends, so a
 * killed relay frees it at once, and the standby, already waiting in {@code GET_LOCK}, takes it.
 *
 * <p>A holder that is cut off from the shard cannot see its connection die. The connection's
 * {@code wait_timeout} is the lease term: the server drops a connection idle that long, and with it
 * the lock. The holder renews by asking the server, every quarter term, whether it still holds the
 * lock, and gives up the moment an answer fails or is late (a third of the term). So a cut-off holder
 * stops believing in its lease at most 7/12 of a term after its last confirmed renewal, 5/12 of a term
 * before the server lets anyone else take it.
 * Not thread-safe: one thread acquires, renews and releases.
 */
final class ShardLease implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ShardLease.class);

    private final String url;
    private final Properties credentials;
    private final String lockName;
    private final Duration term;
    private Connection connection;
    private long connectionId;
    private volatile boolean heldByAnother;

    ShardLease(RelayConfig config) {
        this.url = config.cdcJdbcUrl();
        this.credentials = config.dbTls().connectionProperties(config.cdcUser(), config.cdcPassword());
        Duration term = config.leaseTerm();
        credentials.setProperty("connectTimeout", Long.toString(term.toMillis() / 3));
        // Long enough for one wait in GET_LOCK; once the lock is held, a third of the term (see renew).
        credentials.setProperty("socketTimeout", Long.toString(term.toMillis() / 3 + waitSeconds(term) * 1000L));
        this.lockName = "rtkv-relay-shard-" + config.shardId();
        this.term = term;
    }

    /**
     * Waits until this relay holds the lease, or {@code stopping} turns true (then answers false).
     * Connection errors are retried with backoff: a standby outlives its shard's restarts.
     */
    boolean acquire(BooleanSupplier stopping) throws InterruptedException {
        long backoffMillis = 250;
        while (!stopping.getAsBoolean()) {
            try {
                if (connection == null) {
                    connection = connect();
                }
                boolean locked = tryLock();
                heldByAnother = !locked;
                if (locked) {
                    connectionId = readConnectionId();
                    // From now on an answer later than this means the lease is in doubt; see renew().
                    connection.setNetworkTimeout(Runnable::run, (int) term.dividedBy(3).toMillis());
                    LOG.info("holding lease {} (term {} s)", lockName, term.toSeconds());
                    return true;
                }
                backoffMillis = 250;
            } catch (SQLException e) {
                heldByAnother = false;
                LOG.info("cannot reach the shard for lease {} ({}); retrying", lockName, e.getMessage());
                closeConnection();
                Thread.sleep(backoffMillis);
                backoffMillis = Math.min(backoffMillis * 2, 5_000);
            }
        }
        return false;
    }

    private Connection connect() throws SQLException {
        Connection c = DriverManager.getConnection(url, credentials);
        try (Statement s = c.createStatement()) {
            s.execute("SET SESSION wait_timeout = " + term.toSeconds());
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return c;
    }

    private long readConnectionId() throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet r = s.executeQuery("SELECT CONNECTION_ID()")) {
            r.next();
            return r.getLong(1);
        }
    }

    /**
     * The shard's id of the connection that holds the lease, once {@link #acquire} answered true. The
     * shard never gives two live connections one id, so two relays that each believe they hold the lease
     * (one of them stopped and not told yet) have different ones.
     */
    long holderId() {
        return connectionId;
    }

    /** True while {@link #acquire} waits because the shard confirmed that another connection holds the lock. */
    boolean heldByAnother() {
        return heldByAnother;
    }

    /** One wait of at most a few seconds in GET_LOCK, so that {@code stopping} is seen promptly. */
    private boolean tryLock() throws SQLException {
        try (PreparedStatement s = connection.prepareStatement("SELECT GET_LOCK(?, ?)")) {
            s.setString(1, lockName);
            s.setLong(2, waitSeconds(term));
            try (ResultSet r = s.executeQuery()) {
                r.next();
                long answer = r.getLong(1);
                if (r.wasNull()) {
                    throw new SQLException("GET_LOCK(" + lockName + ") answered NULL");
                }
                return answer == 1;
            }
        }
    }

    private static long waitSeconds(Duration term) {
        return Math.max(1, term.toSeconds() / 4);
    }

    /** True when the server confirms, now, that this connection holds the lock; false on any doubt. */
    boolean renew() {
        if (connection == null) {
            return false;
        }
        try (PreparedStatement s = connection.prepareStatement("SELECT IS_USED_LOCK(?) = CONNECTION_ID()")) {
            s.setString(1, lockName);
            try (ResultSet r = s.executeQuery()) {
                return r.next() && r.getBoolean(1);
            }
        } catch (SQLException e) {
            LOG.warn("renewing lease {} failed: {}", lockName, e.getMessage());
            return false;
        }
    }

    /** How often {@link #renew()} must be called: a quarter of the term. */
    Duration renewEvery() {
        return term.dividedBy(4);
    }

    /** Lets go of the lock (closing its connection releases it even when the server is unreachable). */
    @Override
    public void close() {
        if (connection == null) {
            return;
        }
        try (PreparedStatement s = connection.prepareStatement("DO RELEASE_LOCK(?)")) {
            s.setQueryTimeout(1);
            s.setString(1, lockName);
            s.execute();
        } catch (SQLException e) {
            LOG.debug("releasing lease {}: {}", lockName, e.getMessage());
        }
        closeConnection();
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                LOG.debug("closing the lease connection: {}", e.getMessage());
            }
            connection = null;
        }
    }
}
