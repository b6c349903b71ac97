package rtkv.auth;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Events per second per name (an API key's requests, an address's failed authentications): a token
 * bucket per name that holds one second's worth, so a name may burst to its rate and then keeps to it.
 * Buckets idle for a second are full again and dropped now and then, so the map stays as small as the
 * set of busy names.
 */
public final class RateLimiter {

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

        /** 0 when one may go now (and, if {@code take}, it is taken), else the milliseconds until one may. */
        synchronized long next(long now, boolean take) {
            // A clock set back must not leave the bucket owing time.
            tokens = Math.min(rate, tokens + Math.max(0, now - refilledAt) * rate / 1000.0);
            refilledAt = now;
            usedAt = now;
            if (tokens >= 1) {
                if (take) {
                    tokens -= 1;
                }
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

    public RateLimiter(Clock clock) {
        this.clock = clock;
    }

    /** Takes one from the name's bucket: 0 when the event may happen, else the milliseconds to wait. */
    public long take(String name, int perSecond) {
        return bucket(name, perSecond).next(clock.millis(), true);
    }

    /** As {@link #take}, without taking: whether one more may happen now. */
    public long waitFor(String name, int perSecond) {
        return bucket(name, perSecond).next(clock.millis(), false);
    }

    private Bucket bucket(String name, int perSecond) {
        long now = clock.millis();
        if (calls.incrementAndGet() % PRUNE_EVERY == 0) {
            // A bucket idle for a second is full again: dropping it changes nothing.
            buckets.values().removeIf(bucket -> bucket.idleSince(now - 1_000));
        }
        return buckets.computeIfAbsent(name, n -> new Bucket(perSecond, now));
    }
}
