package rtkv.api.store;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import rtkv.auth.ApiKeys;
import rtkv.auth.KeyRecord;
import rtkv.auth.Scope;

/**
 * The API keys, kept as rows of system table {@code rtkv.keys} (key = the key's id, value = its
 * {@link KeyRecord}), written through the same statements as any key, so every change of a key reaches
 * the change stream and the fanout nodes. Lookups for authentication are cached briefly; when the
 * table's shard cannot be reached, a key seen in the last minutes is still trusted, so one shard's
 * outage does not lock every client out of every other shard.
 */
public final class KeyDirectory {

    private static final long STALE_IF_ERROR_MILLIS = 5 * 60_000;
    private static final int MAX_CACHED = 100_000;

    /** A key as stored, with the version of its row (for compare-and-set). */
    public record Stored(String id, KeyRecord record, long version) {
    }

    /** A new key: the only time its secret is known. */
    public record Created(String id, String key, KeyRecord record) {
        @Override
        public String toString() {
            return "Created[" + id + "]";
        }
    }

    /** A page of keys; {@code next} is the {@code after} of the following page, null on the last. */
    public record Page(List<Stored> keys, String next) {
    }

    /** A lookup's answer and the row version it saw (0: no row), so an older read never replaces a newer. */
    private record Cached(Optional<KeyRecord> record, long version, long fetchedAt) {
    }

    private final KvStore store;
    private final Clock clock;
    private final long cacheMillis;
    private final SecureRandom random = new SecureRandom();
    /** Fresh for {@code cacheMillis}; kept longer only to answer while the shard is down. */
    private final Cache<String, Cached> cache;

    public KeyDirectory(KvStore store, Clock clock, long cacheMillis) {
        this.store = store;
        this.clock = clock;
        this.cacheMillis = cacheMillis;
        this.cache = Caffeine.newBuilder()
                .maximumSize(MAX_CACHED)
                .expireAfterWrite(Duration.ofMillis(Math.max(cacheMillis, STALE_IF_ERROR_MILLIS)))
                .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
                // Upkeep (evictions) on the calling thread rather than as tasks for the common pool.
                .executor(Runnable::run)
                .build();
    }

    public Created create(String name, List<Scope> scopes, Long ttlSeconds, Integer rateLimit) {
        long now = clock.millis();
        for (int attempt = 0; ; attempt++) {
            String id = ApiKeys.newId(random);
            String secret = ApiKeys.newSecret(random);
            KeyRecord record = new KeyRecord(name, ApiKeys.hash(secret), scopes, now,
                    ttlSeconds == null ? null : now + ttlSeconds * 1000, null, rateLimit);
            try {
                store.put(KeyRecord.TABLE, id, record.toJson(), null, new Precondition.IfNoneMatch());
                return new Created(id, ApiKeys.format(id, secret), record);
            } catch (StoreException e) {
                // Two random 64-bit ids colliding: only worth a retry, never an overwrite.
                if (e.failure() != StoreException.Failure.VERSION_MISMATCH || attempt == 2) {
                    throw e;
                }
            }
        }
    }

    public Optional<Stored> get(String id) {
        return store.get(KeyRecord.TABLE, id).flatMap(entry -> KeyRecord.readable(id, entry.value())
                .map(record -> new Stored(id, record, entry.version())));
    }

    /** Keys in id order after {@code after}, at most {@code limit}. */
    public Page list(String after, int limit) {
        List<Entry> rows = store.list(KeyRecord.TABLE, "", after, limit + 1);
        boolean more = rows.size() > limit;
        List<Stored> keys = new ArrayList<>();
        for (Entry row : more ? rows.subList(0, limit) : rows) {
            KeyRecord.readable(row.key(), row.value()).ifPresent(record -> keys.add(new Stored(row.key(), record, row.version())));
        }
        return new Page(keys, more ? rows.get(limit - 1).key() : null);
    }

    /** Revokes the key for good; revoking a revoked key changes nothing. Empty when there is no such key. */
    public Optional<Stored> revoke(String id) {
        for (int attempt = 0; ; attempt++) {
            Optional<Stored> current = get(id);
            if (current.isEmpty() || current.get().record().revokedAt() != null) {
                return current;
            }
            KeyRecord revoked = current.get().record().revoked(clock.millis());
            try {
                Entry written = store.put(KeyRecord.TABLE, id, revoked.toJson(), null,
                        new Precondition.IfMatch(current.get().version()));
                remember(id, new Cached(Optional.of(revoked), written.version(), clock.millis()));
                return Optional.of(new Stored(id, revoked, written.version()));
            } catch (StoreException e) {
                if (e.failure() != StoreException.Failure.VERSION_MISMATCH || attempt == 2) {
                    throw e;
                }
            }
        }
    }

    /** The key with this id, for authentication: cached for {@code cacheMillis}. */
    public Optional<KeyRecord> lookup(String id) {
        long now = clock.millis();
        Cached cached = cache.getIfPresent(id);
        if (cached != null && now - cached.fetchedAt() < cacheMillis) {
            return cached.record();
        }
        Optional<Entry> row;
        try {
            row = store.get(KeyRecord.TABLE, id);
        } catch (StoreException e) {
            if (e.failure() != StoreException.Failure.BUSY && e.failure() != StoreException.Failure.UNAVAILABLE
                    && e.failure() != StoreException.Failure.INTERNAL) {
                throw e;
            }
            if (cached != null && now - cached.fetchedAt() < STALE_IF_ERROR_MILLIS) {
                return cached.record();
            }
            throw StoreException.of(StoreException.Failure.UNAVAILABLE, "API keys cannot be checked: the shard of "
                    + KeyRecord.TABLE + " is unavailable; retry shortly");
        }
        Cached read = new Cached(row.flatMap(entry -> KeyRecord.readable(id, entry.value())),
                row.map(Entry::version).orElse(0L), now);
        return remember(id, read).record();
    }

    /** Keeps the newer of what is cached and what was just read (a revocation is never undone by a late read). */
    private Cached remember(String id, Cached read) {
        return cache.asMap().merge(id, read, (old, fresh) -> fresh.version() >= old.version()
                ? fresh : new Cached(old.record(), old.version(), fresh.fetchedAt()));
    }
}
