package rtkv.api.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns expired keys into tombstones, so that each expiry is a committed change the relay publishes as
 * {@code expire}, and removes tombstones older than the retention period and the answers stored under
 * idempotency keys once they are older than theirs. One thread per shard; every api-service instance
 * runs one, and they share the work: rows are claimed with {@code FOR UPDATE SKIP LOCKED} through
 * index {@code due}, so two sweepers never wait for each other's rows or for a writer's, and a
 * transaction changes at most {@code sweepBatch} rows.
 *
 * <p>Removing tombstones raises their table's floor ({@code kv_floor}) in the same transaction, under
 * the floor row's exclusive lock, taken before the tombstones are claimed: a write reads the floor with
 * a shared lock, so it either finishes first (and finds the tombstone it revives) or waits and starts
 * its new row above the floor. That lock is the one the sweeper waits for, a second at most; making a
 * table's floor row (a delete, an expiry) may wait for a sweeper holding it. A table with no floor row
 * yet (tombstones made before floors existed) gets one, and its tombstones are removed from the next
 * round on.
 */
public final class Sweeper implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Sweeper.class);

    private static final String DUE = "SELECT table_id, k FROM kv WHERE expires_at BETWEEN 1 AND ?"
            + " ORDER BY expires_at LIMIT ? FOR UPDATE SKIP LOCKED";
    private static final String EXPIRE = "UPDATE kv SET v = NULL, expires_at = 0, expired = TRUE, changed_at = ?,"
            + " version = version + 1 WHERE expires_at BETWEEN 1 AND ? AND (table_id, k) IN ";
    private static final String REMOVE = "DELETE FROM kv WHERE expires_at = 0 AND (table_id, k) IN ";
    private static final String OLD_TOMBSTONES = "SELECT table_id, k FROM kv WHERE expires_at = 0 AND changed_at < ?"
            + " LIMIT ?";
    private static final String FLOORS = "SELECT table_id FROM kv_floor WHERE table_id IN ";
    private static final String CLAIM_TOMBSTONES = "SELECT table_id, k, version FROM kv WHERE expires_at = 0"
            + " AND changed_at < ? AND (table_id, k) IN ";
    private static final String RAISE_FLOOR = "UPDATE kv_floor SET floor = GREATEST(floor, ?) WHERE table_id = ?";
    private static final String LOCK_FLOORS = "SET STATEMENT innodb_lock_wait_timeout = 1 FOR ";
    private static final int ER_LOCK_WAIT_TIMEOUT = 1205;
    private static final int ER_LOCK_DEADLOCK = 1213;

    private final Shards shards;
    private final StoreConfig config;
    private final Clock clock;
    private final ExecutorService threads;
    private volatile boolean running = true;

    public Sweeper(Shards shards, StoreConfig config, Clock clock) {
        this.shards = shards;
        this.config = config;
        this.clock = clock;
        this.threads = Executors.newFixedThreadPool(shards.count(), r -> new Thread(r, "sweeper"));
    }

    public void start() {
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

    /**
     * One round on a shard: a batch of expiries, then a batch of old tombstones; answers the rows changed.
     * Public for the integration tests that sweep at a time of their choosing.
     */
    public int sweep(int shard) throws SQLException {
        long now = clock.millis();
        int expired = expire(shard, now);
        int removed = removeTombstones(shard, now - config.tombstoneSeconds() * 1000L);
        int answers;
        try (Connection c = shards.connectionFor(shard)) {
            answers = IdempotencySql.sweep(c, now - config.idempotencySeconds() * 1000L, config.sweepBatch());
        }
        return Math.max(Math.max(expired, removed), answers);
    }

    /** Claims up to a batch of live keys whose time ran out and makes each a tombstone, in one short transaction. */
    private int expire(int shard, long now) throws SQLException {
        try (Connection c = shards.connectionFor(shard)) {
            c.setAutoCommit(false);
            try {
                List<Row> due = rows(c, DUE, now);
                if (!due.isEmpty()) {
                    for (String table : tablesOf(due)) {
                        KeySql.ensureFloorRow(c, table);
                    }
                    change(c, EXPIRE, due, now, now);
                }
                c.commit();
                return due.size();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /**
     * Removes up to a batch of tombstones changed before {@code cutoff} and raises their tables' floors to
     * their versions. The floor rows are locked first, in table order. Writers hold a table's floor row
     * shared for the length of a statement, so the sweeper waits for those under way and the next ones
     * queue behind it: skipping a locked row instead would never collect a table written without pause,
     * and, its tombstones being the oldest, nobody else's either. The wait is bounded (a second); past it,
     * or when InnoDB picks the sweeper as a deadlock's victim, the round removes nothing and the next tries
     * again.
     */
    private int removeTombstones(int shard, long cutoff) throws SQLException {
        try (Connection c = shards.connectionFor(shard)) {
            List<Row> old = rows(c, OLD_TOMBSTONES, cutoff);
            if (old.isEmpty()) {
                return 0;
            }
            Set<String> tables = tablesOf(old);
            Set<String> floored = tables(c, FLOORS + tuples(tables.size(), "?"), tables);
            for (String table : tables) {
                if (!floored.contains(table)) {
                    KeySql.ensureFloorRow(c, table);
                }
            }
            c.setAutoCommit(false);
            try {
                Set<String> locked;
                try {
                    locked = floored.isEmpty() ? Set.of() : tables(c, LOCK_FLOORS + FLOORS + tuples(floored.size(), "?")
                            + " FOR UPDATE", floored);
                } catch (SQLException e) {
                    if (e.getErrorCode() != ER_LOCK_WAIT_TIMEOUT && e.getErrorCode() != ER_LOCK_DEADLOCK) {
                        throw e;
                    }
                    c.rollback();
                    LOG.debug("shard {}: the floors of {} are busy; their tombstones wait a round", shard, floored);
                    return 0;
                }
                List<Row> candidates = old.stream().filter(row -> locked.contains(row.table())).toList();
                List<Row> claimed = candidates.isEmpty() ? List.of() : claim(c, cutoff, candidates);
                Map<String, Long> floors = new TreeMap<>();
                claimed.forEach(row -> floors.merge(row.table(), row.version(), Math::max));
                for (Map.Entry<String, Long> floor : floors.entrySet()) {
                    try (PreparedStatement raise = c.prepareStatement(RAISE_FLOOR)) {
                        raise.setLong(1, floor.getValue());
                        raise.setString(2, floor.getKey());
                        raise.executeUpdate();
                    }
                }
                if (!claimed.isEmpty()) {
                    change(c, REMOVE, claimed);
                }
                c.commit();
                return claimed.size();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** A row of kv: {@code version} is 0 where it was not read. */
    private record Row(String table, byte[] key, long version) {
    }

    /** Up to a batch of rows, table and key, selected by {@code sql} with {@code bound}. */
    private List<Row> rows(Connection c, String sql, long bound) throws SQLException {
        try (PreparedStatement select = c.prepareStatement(sql)) {
            select.setLong(1, bound);
            select.setInt(2, config.sweepBatch());
            return read(select, false);
        }
    }

    /** Locks those of {@code candidates} that are still tombstones changed before {@code cutoff}, with their versions. */
    private static List<Row> claim(Connection c, long cutoff, List<Row> candidates) throws SQLException {
        try (PreparedStatement select = c.prepareStatement(CLAIM_TOMBSTONES + tuples(candidates.size(), "(?, ?)")
                + " FOR UPDATE SKIP LOCKED")) {
            select.setLong(1, cutoff);
            bindRows(select, 2, candidates);
            return read(select, true);
        }
    }

    private static List<Row> read(PreparedStatement select, boolean withVersion) throws SQLException {
        List<Row> rows = new ArrayList<>();
        try (ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
                rows.add(new Row(rs.getString(1), rs.getBytes(2), withVersion ? rs.getLong(3) : 0));
            }
        }
        return rows;
    }

    /** The tables among {@code tables} that {@code sql} (one parameter each) answers. */
    private static Set<String> tables(Connection c, String sql, Set<String> tables) throws SQLException {
        try (PreparedStatement select = c.prepareStatement(sql)) {
            int index = 1;
            for (String table : tables) {
                select.setString(index++, table);
            }
            Set<String> found = new TreeSet<>();
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    found.add(rs.getString(1));
                }
            }
            return found;
        }
    }

    /** {@code change} bound to {@code args}, then the rows' keys. */
    private static void change(Connection c, String change, List<Row> rows, long... args) throws SQLException {
        try (PreparedStatement statement = c.prepareStatement(change + tuples(rows.size(), "(?, ?)"))) {
            int index = 1;
            for (long arg : args) {
                statement.setLong(index++, arg);
            }
            bindRows(statement, index, rows);
            statement.executeUpdate();
        }
    }

    private static void bindRows(PreparedStatement statement, int first, List<Row> rows) throws SQLException {
        int index = first;
        for (Row row : rows) {
            statement.setString(index++, row.table());
            statement.setBytes(index++, row.key());
        }
    }

    /** In key order, so that two sweepers lock floor rows in the same order. */
    private static Set<String> tablesOf(List<Row> rows) {
        Set<String> tables = new TreeSet<>();
        rows.forEach(row -> tables.add(row.table()));
        return tables;
    }

    private static String tuples(int count, String tuple) {
        return "(" + String.join(", ", Collections.nCopies(count, tuple)) + ")";
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
