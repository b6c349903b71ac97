package rtkv.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class RateLimiterTest {

    /** A clock the test moves by hand. */
    private static final class ManualClock extends Clock {
        long millis = 1_000_000;

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }
    }

    private final ManualClock clock = new ManualClock();
    private final RateLimiter limiter = new RateLimiter(clock);

    @Test
    void aNameMayBurstToItsRateThenWaitsForTheNextToken() {
        for (int i = 0; i < 4; i++) {
            assertEquals(0, limiter.take("k", 4), "request " + i);
        }
        assertEquals(250, limiter.take("k", 4), "the fifth waits a quarter second");
        assertEquals(0, limiter.take("other", 4), "each name has its own bucket");
        clock.millis += 250;
        assertEquals(0, limiter.take("k", 4));
    }

    @Test
    void waitingForAFreeTokenDoesNotTakeIt() {
        assertEquals(0, limiter.take("a", 1));
        assertTrue(limiter.waitFor("a", 1) > 0);
        clock.millis += 1_000;
        assertEquals(0, limiter.waitFor("a", 1));
        assertEquals(0, limiter.waitFor("a", 1), "looking twice takes nothing");
        assertEquals(0, limiter.take("a", 1));
    }

    @Test
    void aClockSetBackOwesNothing() {
        assertEquals(0, limiter.take("a", 2));
        clock.millis -= 60_000;
        assertEquals(0, limiter.take("a", 2), "one token was still there");
        clock.millis += 500;
        assertEquals(0, limiter.take("a", 2), "and it refills from the new time, not from a minute ahead");
    }
}
