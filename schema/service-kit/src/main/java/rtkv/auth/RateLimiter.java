package rtkv.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.EstimationProbe;
import io.github.bucket4j.TimeMeter;
import java.time.Clock;
import java.time.Duration;

/**
 * Events per second per name (an API key's requests, an address's failed authentications): a Bucket4j
 * token bucket per name that holds one second's worth and refills greedily, so a name may burst to its
 * rate and then keeps to it. Buckets live in a Caffeine cache that forgets one idle for a second (it
 * would be full again), so memory follows the set of busy names. Both read time from the injected clock
 * through {@link ForwardTime}.
 */
public final class RateLimiter {

    private final ForwardTime time;
    private final Cache<String, Bucket> buckets;

    public RateLimiter(Clock clock) {
        this.time = new ForwardTime(clock);
        this.buckets = Caffeine.newBuilder().expireAfterAccess(Duration.ofSeconds(1)).ticker(time::currentTimeNanos).build();
    }

    /** Takes one from the name's bucket: 0 when the event may happen, else the milliseconds to wait. */
    public long take(String name, int perSecond) {
        ConsumptionProbe probe = bucket(name, perSecond).tryConsumeAndReturnRemaining(1);
        return probe.isConsumed() ? 0 : millis(probe.getNanosToWaitForRefill());
    }

    /** As {@link #take}, without taking: whether one more may happen now. */
    public long waitFor(String name, int perSecond) {
        EstimationProbe probe = bucket(name, perSecond).estimateAbilityToConsume(1);
        return probe.canBeConsumed() ? 0 : millis(probe.getNanosToWaitForRefill());
    }

    private Bucket bucket(String name, int perSecond) {
        return buckets.get(name, n -> Bucket.builder()
                .addLimit(limit -> limit.capacity(perSecond).refillGreedy(perSecond, Duration.ofSeconds(1)))
                .withCustomTimePrecision(time)
                .build());
    }

    private static long millis(long nanos) {
        return Math.max(1, (nanos + 999_999) / 1_000_000);
    }

    /**
     * The clock's time, made to run only forward: Bucket4j takes a time that goes back as a bucket owing
     * that long, and a wall clock set back by a minute would make every name wait a minute. A step back
     * is ignored; time goes on from there.
     */
    static final class ForwardTime implements TimeMeter {
        private final Clock clock;
        private long lastMillis;
        private long elapsedMillis;

        ForwardTime(Clock clock) {
            this.clock = clock;
            this.lastMillis = clock.millis();
        }

        @Override
        public synchronized long currentTimeNanos() {
            long now = clock.millis();
            elapsedMillis += Math.max(0, now - lastMillis);
            lastMillis = now;
            return elapsedMillis * 1_000_000;
        }

        @Override
        public boolean isWallClockBased() {
            return false;
        }
    }
}
