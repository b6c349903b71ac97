package rtkv.api;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Requests per second per key on this instance: a token bucket per key that holds one second's worth,
 * so a key may burst to its rate and then keeps to it. Buckets exist only for keys that authenticated,
 * and full ones are dropped now and then, so the map stays as small as the set of busy keys.
 */
final class RateLimiter {

    private static final int PRUNE_EVERY = 10_000;

    private static final class Bucket {
        private final double rate;
        private double tokens;
        private long refilledAt;
        private long usedAt;

        Bucket(int rate, long now) {
            this.rate = rate;
            this.tokens = rate;
            this.refilledAt = now;
        }

        /** 0 when a request may go now, else the milliseconds until one may. */
        synchronized long take(long now) {
            tokens = Math.min(rate, tokens + (now - refilledAt) * rate / 1000.0);
            refilledAt = now;
            usedAt = now;
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            return (long) Math.ceil((1 - tokens) * 1000.0 / rate);
        }

        synchronized boolean idleSince(long cutoff) {
            return usedAt < cutoff;
        }
    }

    private final Clock clock;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final AtomicLong calls = new AtomicLong();

    RateLimiter(Clock clock) {
        this.clock = clock;
    }

    /** Takes one request from the key's bucket: 0 when it may go, else milliseconds to wait. */
    long take(String keyId, int perSecond) {
        long now = clock.millis();
        if (calls.incrementAndGet() % PRUNE_EVERY == 0) {
            // A bucket idle for a second is full again: dropping it changes nothing.
            buckets.values().removeIf(bucket -> bucket.idleSince(now - 1_000));
        }
        return buckets.computeIfAbsent(keyId, id -> new Bucket(perSecond, now)).take(now);
    }
}
