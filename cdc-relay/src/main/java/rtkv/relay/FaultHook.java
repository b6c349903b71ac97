package rtkv.relay;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops the process at an exact point of publishing, for the fault tests: a random SIGKILL rarely lands
 * between a send and its commit, or between a commit and the saving of the binlog position, and those
 * are the points exactly-once depends on. {@code RTKV_RELAY_FAULT=halt-after-sends:N} halts right after
 * the N-th change was handed to the producer, its transaction still open; {@code halt-after-commits:N}
 * right after the N-th transaction committed, before the position of its changes is saved. Never set in
 * production.
 */
final class FaultHook {

    private static final Logger LOG = LoggerFactory.getLogger(FaultHook.class);
    private static final Pattern FORMAT = Pattern.compile("halt-after-(sends|commits):([1-9][0-9]{0,8})");

    /** Where a relay may be stopped. */
    enum Point { SEND, COMMIT }

    static final FaultHook NONE = new FaultHook(null, 0);

    private final Point point;
    private final long after;
    private final AtomicLong passed = new AtomicLong();

    private FaultHook(Point point, long after) {
        this.point = point;
        this.after = after;
    }

    /** {@link #NONE} for empty text, empty when the text is not a fault. */
    static Optional<FaultHook> parse(String text) {
        if (text.isEmpty()) {
            return Optional.of(NONE);
        }
        Matcher m = FORMAT.matcher(text);
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new FaultHook(m.group(1).equals("sends") ? Point.SEND : Point.COMMIT, Long.parseLong(m.group(2))));
    }

    /** The relay has just passed {@code reached}: answers whether it is to halt now, at this point and count. */
    boolean reached(Point reached) {
        return reached == point && passed.incrementAndGet() == after;
    }

    /** Ends the process at once: no shutdown hook, no flush, no commit, as a crash would. */
    void halt() {
        LOG.error("RTKV_RELAY_FAULT: halting after {} {}", after, point == Point.SEND ? "sends" : "commits");
        Runtime.getRuntime().halt(3);
    }

    @Override
    public String toString() {
        return point == null ? "none" : "halt-after-" + (point == Point.SEND ? "sends" : "commits") + ":" + after;
    }
}
