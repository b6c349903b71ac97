package rtkv.fanout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import rtkv.schema.ChangeEvent;

/**
 * The subscribers of one table that asked for changes at most once per {@code intervalMillis}
 * ({@code ?conflate=MS}): between two sends, only the latest change of each key is kept, and each frame
 * is built once for all of them. A reader of a hot counter gets a few frames a second carrying its
 * latest value, not one per increment, and the last one is always sent.
 *
 * <p>Pending changes are kept in the order of their latest change, so the tokens a subscriber receives
 * only grow: every change before a frame's token was either sent or superseded by one sent after it,
 * which a resume replays. Guarded by its {@link TableState}'s lock, but for {@link Batch#deliver()}: the
 * writes to thousands of sockets happen outside it, on the node's conflation thread, so the change feed
 * never waits for them.
 */
final class Conflated {

    /** {@code inSnapshot}: the state's snapshot holds it; only a member that resumed from before may lack it. */
    private record Pending(ChangeEvent event, long offset, Encoded frame, boolean inSnapshot) {
    }

    /** What one send writes, to whom; written outside the table's lock. */
    record Batch(List<Pending> changes, Subscriber[] members) {

        static final Batch EMPTY = new Batch(List.of(), new Subscriber[0]);

        /** Every change to every member that does not hold it yet: one write per member, however many changes. */
        void deliver() {
            for (Subscriber subscriber : members) {
                boolean sent = false;
                for (Iterator<Pending> it = changes.iterator(); it.hasNext() && !subscriber.isClosed(); ) {
                    Pending p = it.next();
                    if (p.offset() <= subscriber.conflatedFrom()) {
                        continue;
                    }
                    if (subscriber.wants(p.event(), !p.inSnapshot())) {
                        subscriber.send(p.frame(), true);
                        sent = true;
                    }
                }
                if (sent) {
                    subscriber.flush();
                }
            }
        }
    }

    private final int intervalMillis;
    private final LinkedHashMap<String, Pending> pending = new LinkedHashMap<>();
    private Subscriber[] members = new Subscriber[0];
    private long pendingBytes;
    private long lastSentMillis = Long.MIN_VALUE / 2;
    private boolean scheduled;
    private boolean urgent;

    Conflated(int intervalMillis) {
        this.intervalMillis = intervalMillis;
    }

    int intervalMillis() {
        return intervalMillis;
    }

    /** A member receives only changes after {@code offset}: what it holds up to there came another way. */
    void add(Subscriber subscriber, long offset) {
        subscriber.conflatedFrom(offset);
        members = Arrays.copyOf(members, members.length + 1);
        members[members.length - 1] = subscriber;
    }

    boolean remove(Subscriber subscriber) {
        Subscriber[] fewer = Arrays.stream(members).filter(s -> s != subscriber).toArray(Subscriber[]::new);
        boolean removed = fewer.length != members.length;
        members = fewer;
        if (members.length == 0) {
            pending.clear();
            pendingBytes = 0;
        }
        return removed;
    }

    Subscriber[] members() {
        return members;
    }

    boolean isEmpty() {
        return members.length == 0;
    }

    /** Keeps the change as its key's latest. */
    void offer(ChangeEvent event, long offset, Encoded frame, boolean inSnapshot) {
        Pending previous = pending.remove(event.key());
        if (previous != null) {
            pendingBytes -= previous.frame().size();
        }
        pending.put(event.key(), new Pending(event, offset, frame, inSnapshot));
        pendingBytes += frame.size();
    }

    long pendingBytes() {
        return pendingBytes;
    }

    /** Milliseconds until a send may go: 0 when the last one was at least an interval ago. */
    long waitMillis(long now) {
        return Math.max(0, lastSentMillis + intervalMillis - now);
    }

    /** Whether a send is scheduled already; marks one as scheduled when not. */
    boolean scheduleOnce() {
        if (scheduled) {
            return false;
        }
        scheduled = true;
        return true;
    }

    /** Whether a send right away is scheduled already; marks one as scheduled when not. */
    boolean scheduleUrgentOnce() {
        if (urgent) {
            return false;
        }
        urgent = true;
        return true;
    }

    /** Takes what is pending, for every current member, and starts a new interval. */
    Batch take(long now) {
        scheduled = false;
        urgent = false;
        if (pending.isEmpty()) {
            return Batch.EMPTY;
        }
        lastSentMillis = now;
        List<Pending> changes = new ArrayList<>(pending.values());
        pending.clear();
        pendingBytes = 0;
        return new Batch(changes, members);
    }
}
