package rtkv.api;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns expired keys into tombstones, so that each expiry is a committed change the relay publishes as
 * {@code expire}, and removes tombstones older than the retention period and the answers stored under
 * Idempotency-Keys once they are older than theirs. One thread per shard; every api-service instance
 * runs one, and they share the work: rows are claimed with {@code FOR UPDATE SKIP LOCKED} through
 * index {@code due}, so two sweepers never wait for each other or for a writer, and a transaction
 * changes at most {@code sweepBatch} rows.
 */
final class Sweeper implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Sweeper.class);

    private static final String DUE = "SELECT table_id, k FROM kv WHERE expires_at BETWEEN 1 AND ?"
            + " ORDER BY expires_at LIMIT ? FOR UPDATE SKIP LOCKED";
    private static final String EXPIRE = "UPDATE kv SET v = NULL, expires_at = 0, expired = TRUE, changed_at = ?,"
            + " version = version + 1 WHERE expires_at BETWEEN 1 AND ? AND (table_id, k) IN ";
    private static final String REMOVE = "DELETE FROM kv WHERE expires_at = 0 AND (table_id, k) IN ";
    private static final String OLD_TOMBSTONES = "SELECT table_id, k FROM kv WHERE expires_at = 0 AND changed_at < ?"
            + " LIMIT ? FOR UPDATE SKIP LOCKED";

    private final Shards shards;
    private final ApiConfig config;
    private final Clock clock;
    private final ExecutorService threads;
    private volatile boolean running = true;

    Sweeper(Shards shards, ApiConfig config, Clock clock) {
        this.shards = shards;
        this.config = config;
        this.clock = clock;
        this.threads = Executors.newFixedThreadPool(shards.count(), r -> new Thread(r, "sweeper"));
    }

    void start() {
        for (int shard = 0; shard < shards.count(); shard++) {
            int s = shard;
            threads.execute(() -> loop(s));
        }
    }

    private void loop(int shard) {
        while (running) {
            int swept;
            try {
                swept = sweep(shard);
            } catch (SQLException e) {
                LOG.warn("sweeping shard {} failed, retrying: {}", shard, e.getMessage());
                swept = 0;
            }
            if (swept < config.sweepBatch()) {
                try {
                    Thread.sleep(config.sweepMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** One round on a shard: a batch of expiries, then a batch of old tombstones; answers the rows changed. */
    int sweep(int shard) throws SQLException {
        long now = clock.millis();
        int expired = claimAndChange(shard, DUE, now, EXPIRE, now, now);
        long cutoff = now - config.tombstoneSeconds() * 1000L;
        int removed = claimAndChange(shard, OLD_TOMBSTONES, cutoff, REMOVE);
        int answers;
        try (Connection c = shards.connectionFor(shard)) {
            answers = Idempotency.sweep(c, now - config.idempotencySeconds() * 1000L, config.sweepBatch());
        }
        return Math.max(Math.max(expired, removed), answers);
    }

    /**
     * Claims up to a batch of rows with {@code claim} and changes exactly those with {@code change}
     * (bound to {@code changeArgs}, then the claimed keys), in one short transaction.
     */
    private int claimAndChange(int shard, String claim, long bound, String change, long... changeArgs)
            throws SQLException {
        try (Connection c = shards.connectionFor(shard)) {
            c.setAutoCommit(false);
            try {
                List<String> tables = new ArrayList<>();
                List<byte[]> keys = new ArrayList<>();
                try (PreparedStatement select = c.prepareStatement(claim)) {
                    select.setLong(1, bound);
                    select.setInt(2, config.sweepBatch());
                    try (ResultSet rs = select.executeQuery()) {
                        while (rs.next()) {
                            tables.add(rs.getString(1));
                            keys.add(rs.getBytes(2));
                        }
                    }
                }
                if (!tables.isEmpty()) {
                    String rows = String.join(", ", Collections.nCopies(tables.size(), "(?, ?)"));
                    try (PreparedStatement statement = c.prepareStatement(change + "(" + rows + ")")) {
                        int index = 1;
                        for (long arg : changeArgs) {
                            statement.setLong(index++, arg);
                        }
                        for (int i = 0; i < tables.size(); i++) {
                            statement.setString(index++, tables.get(i));
                            statement.setBytes(index++, keys.get(i));
                        }
                        statement.executeUpdate();
                    }
                }
                c.commit();
                return tables.size();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    @Override
    public void close() {
        running = false;
        threads.shutdownNow();
        try {
            if (!threads.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("the sweeper did not stop within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
