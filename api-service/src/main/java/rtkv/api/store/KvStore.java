package rtkv.api.store;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Clock;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import rtkv.api.store.StoreException.Failure;

/**
 * Keys on the shards: picks the table's shard, bounds how many requests wait for it, runs
 * {@link KeySql} in autocommit (one statement, one row lock) or, for a batch, in one transaction, and
 * retries only what InnoDB reports as retriable. Times come from the injected clock: one reading per
 * request decides expiry and liveness. It knows nothing of HTTP: what it refuses is a
 * {@link StoreException}, and a write's answer is text made by the caller's {@link AnswerText}.
 */
public final class KvStore {

    private static final Logger LOG = LoggerFactory.getLogger(KvStore.class);
    private static final int ER_LOCK_DEADLOCK = 1213;
    private static final int ER_LOCK_WAIT_TIMEOUT = 1205;
    private static final int ER_DUP_ENTRY = 1062;
    private static final int ATTEMPTS = 3;

    private final Shards shards;
    private final Clock clock;
    private final int idempotencySeconds;
    private final AnswerText answers;

    /**
     * @param idempotencySeconds how long an answer stored under an idempotency key is kept, for the refusal's words
     * @param answers            the text each kind of write is answered with, kept for its retries
     */
    public KvStore(Shards shards, Clock clock, int idempotencySeconds, AnswerText answers) {
        this.shards = shards;
        this.clock = clock;
        this.idempotencySeconds = idempotencySeconds;
        this.answers = answers;
    }

    /**
     * A write's answer: its text, the version it leaves the key at (null for a batch), and whether it is
     * the stored answer of an earlier request with the same idempotency key.
     */
    public record Written(String text, Long version, boolean replayed) {
    }

    /** A put of api-service's own (its keys table), with no answer to render. */
    Entry put(String table, String key, String value, Long ttlSeconds, Precondition precondition) {
        return run(table, false, (c, now) -> KeySql.put(c, table, key, value, expiry(now, ttlSeconds), precondition, now));
    }

    /** @param idempotency the request's idempotency key, or null */
    public Written put(String table, String key, String value, Long ttlSeconds, Precondition precondition,
                       IdempotencyKey idempotency) {
        return write(table, false, idempotency, (c, now) -> KeySql.put(c, table, key, value, expiry(now, ttlSeconds),
                precondition, now), answers::entry, Entry::version);
    }

    public Optional<Entry> get(String table, String key) {
        return run(table, false, (c, now) -> KeySql.get(c, table, key, now));
    }

    public Written delete(String table, String key, Precondition precondition, IdempotencyKey idempotency) {
        return write(table, false, idempotency, (c, now) -> KeySql.delete(c, table, key, precondition, now),
                answers::deleted, Entry::version);
    }

    /** Sets or, with {@code null}, clears the key's time to live. */
    public Written setTtl(String table, String key, Long ttlSeconds, IdempotencyKey idempotency) {
        return write(table, false, idempotency, (c, now) -> KeySql.setTtl(c, table, key, expiry(now, ttlSeconds), now),
                answers::entry, Entry::version);
    }

    public Written increment(String table, String key, long by, IdempotencyKey idempotency) {
        return write(table, false, idempotency, (c, now) -> KeySql.increment(c, table, key, by, now),
                answers::entry, Entry::version);
    }

    public List<Entry> list(String table, String prefix, String after, int limit) {
        return run(table, false, (c, now) -> KeySql.list(c, table, prefix, after, limit, now));
    }

    /**
     * All operations in one transaction, or none. They run in key order (operations on the same key in
     * request order), so two batches lock shared rows in the same order. One cycle is left: a delete that
     * makes its table's first floor row holds it exclusively, and a batch that already holds a key the
     * first wants then waits on it; InnoDB picks a victim, and the deadlock is retried below.
     */
    public Written batch(String table, List<BatchOperation> operations, IdempotencyKey idempotency) {
        Integer[] order = new Integer[operations.size()];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, Comparator.comparing(i -> operations.get(i).key().getBytes(StandardCharsets.UTF_8),
                Arrays::compareUnsigned));
        return write(table, true, idempotency, (c, now) -> {
            Entry[] results = new Entry[operations.size()];
            for (int index : order) {
                try {
                    results[index] = operations.get(index).apply(c, table, now);
                } catch (StoreException e) {
                    throw e.atOperation(index);
                }
            }
            return List.of(results);
        }, answers::results, results -> null);
    }

    /**
     * Runs a write and renders its answer. With an idempotency key, the key's row is inserted first, then
     * the write runs and the answer is stored in that row, all in one transaction; a key with a committed
     * answer is answered again without writing. A second request with a key in flight waits on the
     * first one's row, then meets it as a duplicate and is retried (below) until it reads the answer.
     */
    private <T> Written write(String table, boolean transaction, IdempotencyKey idempotency, Work<T> work,
                              Function<T, String> render, Function<T, Long> version) {
        if (idempotency == null) {
            T result = run(table, transaction, work);
            return new Written(render.apply(result), version.apply(result), false);
        }
        return run(table, true, (c, now) -> {
            Optional<IdempotencySql.Stored> stored = IdempotencySql.find(c, table, idempotency);
            if (stored.isPresent()) {
                if (!Arrays.equals(stored.get().request(), idempotency.request())) {
                    throw IdempotencySql.reused(table, idempotency, idempotencySeconds);
                }
                return new Written(stored.get().answer(), stored.get().version(), true);
            }
            try {
                IdempotencySql.claim(c, table, idempotency, now);
            } catch (SQLException e) {
                if (e.getErrorCode() != ER_DUP_ENTRY) {
                    throw e;
                }
                throw new SQLException("a request with the same idempotency key committed first", "40001",
                        ER_LOCK_DEADLOCK, e);
            }
            T result = work.run(c, now);
            Written written = new Written(render.apply(result), version.apply(result), false);
            IdempotencySql.answer(c, table, idempotency, written.text(), written.version());
            return written;
        });
    }

    static Long expiry(long now, Long ttlSeconds) {
        return ttlSeconds == null ? null : now + ttlSeconds * 1000;
    }

    private interface Work<T> {
        T run(Connection connection, long now) throws SQLException;
    }

    private <T> T run(String table, boolean transaction, Work<T> work) {
        int shard = shards.shardOf(table);
        if (!shards.tryEnter(shard)) {
            throw StoreException.of(Failure.BUSY, "shard " + shard + " has too many requests waiting; retry shortly");
        }
        try {
            return withRetry(shard, transaction, work);
        } finally {
            shards.leave(shard);
        }
    }

    private <T> T withRetry(int shard, boolean transaction, Work<T> work) {
        for (int attempt = 1; ; attempt++) {
            try (Connection connection = shards.connectionFor(shard)) {
                return transaction ? inTransaction(connection, work) : work.run(connection, clock.millis());
            } catch (SQLTransientConnectionException e) {
                throw StoreException.of(Failure.UNAVAILABLE, "shard " + shard + " is unavailable; nothing was written");
            } catch (SQLException e) {
                boolean retriable = e.getErrorCode() == ER_LOCK_DEADLOCK || e.getErrorCode() == ER_LOCK_WAIT_TIMEOUT;
                if (retriable && attempt < ATTEMPTS) {
                    pause(10L << (2 * attempt));
                    continue;
                }
                if (e.getSQLState() != null && e.getSQLState().startsWith("08")) {
                    // The statement may have committed before the connection broke.
                    throw StoreException.of(Failure.UNAVAILABLE, "lost the connection to shard " + shard
                            + "; a write may or may not have been applied, read the key to find out");
                }
                LOG.error("shard {}: {} (SQLState {}, error {})", shard, e.getMessage(), e.getSQLState(), e.getErrorCode());
                throw StoreException.of(Failure.INTERNAL, "the shard failed the request; it was logged");
            }
        }
    }

    private <T> T inTransaction(Connection connection, Work<T> work) throws SQLException {
        connection.setAutoCommit(false);
        try {
            T result = work.run(connection, clock.millis());
            connection.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw StoreException.of(Failure.UNAVAILABLE, "interrupted");
        }
    }

    /** One operation of a batch, already validated. */
    public record BatchOperation(Kind kind, String key, String value, Long ttlSeconds, Precondition precondition, long by) {

        public enum Kind { PUT, DELETE, INCR }

        Entry apply(Connection c, String table, long now) throws SQLException {
            return switch (kind) {
                case PUT -> KeySql.put(c, table, key, value, expiry(now, ttlSeconds), precondition, now);
                case DELETE -> KeySql.delete(c, table, key, precondition, now);
                case INCR -> KeySql.increment(c, table, key, by, now);
            };
        }
    }
}
