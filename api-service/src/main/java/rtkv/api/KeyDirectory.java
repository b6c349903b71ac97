package rtkv.api;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
final class KeyDirectory {

    private static final Logger LOG = LoggerFactory.getLogger(KeyDirectory.class);
    private static final long STALE_IF_ERROR_MILLIS = 5 * 60_000;
    private static final int MAX_CACHED = 100_000;

    /** A key as stored, with the version of its row (for compare-and-set). */
    record Stored(String id, KeyRecord record, long version) {
    }

    /** A new key: the only time its secret is known. */
    record Created(String id, String key, KeyRecord record) {
    }

    private record Cached(Optional<KeyRecord> record, long fetchedAt) {
    }

    private final KvStore store;
    private final Clock clock;
    private final long cacheMillis;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    KeyDirectory(KvStore store, Clock clock, long cacheMillis) {
        this.store = store;
        this.clock = clock;
        this.cacheMillis = cacheMillis;
    }

    Created create(String name, List<Scope> scopes, Long ttlSeconds, Integer rateLimit) {
        long now = clock.millis();
        for (int attempt = 0; ; attempt++) {
            String id = ApiKeys.newId(random);
            String secret = ApiKeys.newSecret(random);
            KeyRecord record = new KeyRecord(name, ApiKeys.hash(secret), scopes, now,
                    ttlSeconds == null ? null : now + ttlSeconds * 1000, null, rateLimit);
            try {
                store.put(KeyRecord.TABLE, id, record.toJson(), null, new Precondition.IfNoneMatch());
                return new Created(id, ApiKeys.format(id, secret), record);
            } catch (ApiException e) {
                // Two random 64-bit ids colliding: only worth a retry, never an overwrite.
                if (e.status() != 412 || attempt == 2) {
                    throw e;
                }
            }
        }
    }

    Optional<Stored> get(String id) {
        return store.get(KeyRecord.TABLE, id).flatMap(entry -> parse(id, entry.value())
                .map(record -> new Stored(id, record, entry.version())));
    }

    /** Keys in id order, a page at a time; {@code limit + 1} are read to know whether more follow. */
    List<Stored> list(String after, int limit) {
        List<Stored> page = new ArrayList<>();
        for (KeySql.Entry entry : store.list(KeyRecord.TABLE, "", after, limit)) {
            parse(entry.key(), entry.value()).ifPresent(record -> page.add(new Stored(entry.key(), record, entry.version())));
        }
        return page;
    }

    /** Revokes the key for good; revoking a revoked key changes nothing. Empty when there is no such key. */
    Optional<Stored> revoke(String id) {
        for (int attempt = 0; ; attempt++) {
            Optional<Stored> current = get(id);
            if (current.isEmpty() || current.get().record().revokedAt() != null) {
                return current;
            }
            KeyRecord revoked = current.get().record().revoked(clock.millis());
            try {
                KeySql.Entry written = store.put(KeyRecord.TABLE, id, revoked.toJson(), null,
                        new Precondition.IfMatch(current.get().version()));
                cache.put(id, new Cached(Optional.of(revoked), clock.millis()));
                return Optional.of(new Stored(id, revoked, written.version()));
            } catch (ApiException e) {
                if (e.status() != 412 || attempt == 2) {
                    throw e;
                }
            }
        }
    }

    /** The key with this id, for authentication: cached for {@code cacheMillis}. */
    Optional<KeyRecord> lookup(String id) {
        long now = clock.millis();
        Cached cached = cache.get(id);
        if (cached != null && now - cached.fetchedAt() < cacheMillis) {
            return cached.record();
        }
        Optional<KeyRecord> record;
        try {
            record = store.get(KeyRecord.TABLE, id).flatMap(entry -> parse(id, entry.value()));
        } catch (ApiException e) {
            if (e.status() >= 500 || e.status() == 429) {
                if (cached != null && now - cached.fetchedAt() < STALE_IF_ERROR_MILLIS) {
                    return cached.record();
                }
                throw ApiException.unavailable("API keys cannot be checked: the shard of " + KeyRecord.TABLE
                        + " is unavailable; retry shortly");
            }
            throw e;
        }
        if (cache.size() >= MAX_CACHED) {
            cache.values().removeIf(c -> now - c.fetchedAt() >= cacheMillis);
            if (cache.size() >= MAX_CACHED) {
                cache.clear();
            }
        }
        cache.put(id, new Cached(record, now));
        return record;
    }

    private static Optional<KeyRecord> parse(String id, String json) {
        try {
            return Optional.of(KeyRecord.fromJson(json));
        } catch (IllegalArgumentException e) {
            LOG.error("{} holds an unreadable record for key id {}; the key is refused", KeyRecord.TABLE, id);
            return Optional.empty();
        }
    }
}
