package rtkv.client;

import java.time.Duration;

/**
 * How to write: a precondition, a time to live, an idempotency key. Immutable; start from
 * {@link #options()}: {@code Write.options().ifVersion(3).ttl(Duration.ofMinutes(5))}.
 *
 * @param ifVersion      write only if the key is at this version (compare-and-set), or null
 * @param createOnly     write only if the key does not exist ({@link #ifAbsent()})
 * @param ttl            the key's time to live, whole seconds of at least 1, or null for none (a put only)
 * @param idempotencyKey sent as Idempotency-Key: a write the server applied is answered again, not applied
 *                       twice, so the client retries it safely after a lost answer. Null: none, and a write
 *                       whose answer was lost is not retried
 */
public record Write(Long ifVersion, boolean createOnly, Duration ttl, String idempotencyKey) {

    private static final Write NONE = new Write(null, false, null, null);

    public Write {
        if (ifVersion != null && createOnly) {
            throw new IllegalArgumentException("a write is conditional on a version or on the key's absence, not both");
        }
        if (ifVersion != null && ifVersion < 1) {
            throw new IllegalArgumentException("versions start at 1, not " + ifVersion);
        }
        if (ttl != null && (ttl.toMillis() % 1000 != 0 || ttl.getSeconds() < 1)) {
            throw new IllegalArgumentException("a time to live is whole seconds, at least 1, not " + ttl);
        }
        if (idempotencyKey != null && !idempotencyKey.matches("[!-~]{1,128}")) {
            throw new IllegalArgumentException("an idempotency key is 1 to 128 printable ASCII characters without"
                    + " spaces, such as a UUID");
        }
    }

    /** No condition, no time to live, no idempotency key. */
    public static Write options() {
        return NONE;
    }

    /** @throws IllegalArgumentException after {@link #ifAbsent()}: a write has one condition */
    public Write ifVersion(long version) {
        return new Write(version, createOnly, ttl, idempotencyKey);
    }

    /** @throws IllegalArgumentException after {@link #ifVersion(long)}: a write has one condition */
    public Write ifAbsent() {
        return new Write(ifVersion, true, ttl, idempotencyKey);
    }

    public Write ttl(Duration timeToLive) {
        return new Write(ifVersion, createOnly, timeToLive, idempotencyKey);
    }

    public Write idempotencyKey(String key) {
        return new Write(ifVersion, createOnly, ttl, key);
    }
}
