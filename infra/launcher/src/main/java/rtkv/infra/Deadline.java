package rtkv.infra;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/** Polls a readiness probe until it holds or time runs out. */
final class Deadline {

    private static final Duration POLL = Duration.ofMillis(200);

    private final Clock clock;
    private final Instant end;

    private Deadline(Clock clock, Duration timeout) {
        this.clock = clock;
        this.end = clock.instant().plus(timeout);
    }

    static Deadline after(Clock clock, Duration timeout) {
        return new Deadline(clock, timeout);
    }

    boolean passed() {
        return clock.instant().isAfter(end);
    }

    /** Waits one poll interval; keeps the interrupt flag and reports it as a failure. */
    void pause(String waitingFor) {
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LauncherException("interrupted while waiting for " + waitingFor, e);
        }
    }
}
