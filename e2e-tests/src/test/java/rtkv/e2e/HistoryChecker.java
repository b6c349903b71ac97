package rtkv.e2e;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import rtkv.e2e.History.Applied;
import rtkv.e2e.History.Event;
import rtkv.e2e.History.Resync;
import rtkv.e2e.History.Snapshot;
import rtkv.e2e.History.Subscriber;
import rtkv.e2e.History.Versioned;
import rtkv.e2e.History.Write;

/**
 * Checks a {@link History} against what MySQL holds at the end, the way Jepsen checks a history:
 * <ul>
 *   <li>each subscriber starts from a snapshot, and a later snapshot comes only after a resync it was
 *       told of;</li>
 *   <li>per key, the versions a subscriber applies go up by exactly one each time (a key's version
 *       grows by one with every write, deletes included), so a skipped version is a gap and a repeated
 *       or older one a duplicate; its client dropped no change as stale either;</li>
 *   <li>every change carries the value that write was acknowledged with;</li>
 *   <li>no acknowledged write after a subscriber's last snapshot is missing from its changes;</li>
 *   <li>each subscriber's final view (its last snapshot plus its changes) equals MySQL's live rows;</li>
 *   <li>every frame the subscriber was sent, as the server sent it ({@link RawFrames}), gave each key a
 *       version above the last one it had sent it;</li>
 *   <li>a subscriber that watches one key or a prefix ({@link History.Scope}) is given no other key, in
 *       snapshots or changes, and all of the above holds for its keys: MySQL's rows and the writes are
 *       narrowed to them.</li>
 * </ul>
 * A conflated subscriber may skip versions, and changes superseded within its interval: for it the
 * versions only have to grow, and its final view to equal MySQL's. An expiry is a change with no
 * acknowledged write behind it, one version above the key's last write, as the sweeper makes it.
 */
final class HistoryChecker {

    private HistoryChecker() {
    }

    /**
     * What is wrong with the history, one finding per line; empty when it passes.
     *
     * @param mysql each table's live rows at the end, key to version and canonical value
     */
    static List<String> check(List<Write> writes, List<Subscriber> subscribers, Map<String, Map<String, Versioned>> mysql) {
        Map<String, Write> acked = new HashMap<>();
        for (Write write : writes) {
            acked.put(id(write.table(), write.key(), write.version()), write);
        }
        List<String> findings = new ArrayList<>();
        for (Subscriber subscriber : subscribers) {
            findings.addAll(check(subscriber, acked, writes, mysql.getOrDefault(subscriber.table(), Map.of())));
        }
        return findings;
    }

    private static List<String> check(Subscriber subscriber, Map<String, Write> acked, List<Write> writes,
                                      Map<String, Versioned> live) {
        String table = subscriber.table();
        String who = subscriber.name() + " (" + table + ")";
        List<String> findings = new ArrayList<>();
        Map<String, Versioned> view = null;
        Map<String, Versioned> lastSnapshot = Map.of();
        Map<String, Long> held = new HashMap<>();
        Set<String> appliedSinceSnapshot = new HashSet<>();
        boolean resyncAnnounced = false;
        for (Event event : subscriber.events()) {
            if (event instanceof Resync) {
                resyncAnnounced = true;
            } else if (event instanceof Snapshot s) {
                if (view != null && !resyncAnnounced) {
                    findings.add(who + ": a new snapshot without a resync announced");
                }
                s.entries().keySet().stream().filter(key -> !subscriber.scope().matches(key))
                        .forEach(key -> findings.add(who + ": its snapshot holds " + key + ", outside its scope"));
                view = new TreeMap<>(s.entries());
                lastSnapshot = s.entries();
                held.clear();
                s.entries().forEach((key, entry) -> held.put(key, entry.version()));
                appliedSinceSnapshot.clear();
                resyncAnnounced = false;
            } else if (event instanceof Applied a) {
                if (!subscriber.scope().matches(a.key())) {
                    findings.add(who + ": change " + a.key() + "@" + a.version() + " is outside its scope");
                }
                if (view == null) {
                    findings.add(who + ": change " + a.key() + "@" + a.version() + " before any snapshot");
                    continue;
                }
                Long before = held.get(a.key());
                if (before != null && a.version() <= before) {
                    findings.add(who + ": duplicate or out of order: " + a.key() + "@" + a.version() + " after @" + before);
                    continue;
                }
                if (subscriber.conflated()) {
                    // versions may be skipped
                } else if (before != null && a.version() > before + 1) {
                    findings.add(who + ": gap: " + a.key() + " went from @" + before + " to @" + a.version());
                } else if (before == null && a.version() > 1) {
                    // Not in the snapshot, so deleted, expired or never written when it was taken: the
                    // version before this one must have been a delete or a put that could expire, or a put
                    // is missing.
                    Write previous = acked.get(id(table, a.key(), a.version() - 1));
                    if (previous != null && previous.value() != null && !previous.expires()) {
                        findings.add(who + ": gap: " + a.key() + "@" + a.version() + " came without the put @"
                                + (a.version() - 1) + " before it");
                    }
                }
                Write write = acked.get(id(table, a.key(), a.version()));
                if (write != null && !Write.ANY.equals(write.value()) && !Objects.equals(write.value(), a.value())) {
                    findings.add(who + ": " + a.key() + "@" + a.version() + " has value " + a.value()
                            + " but was acknowledged with " + write.value());
                }
                held.put(a.key(), a.version());
                appliedSinceSnapshot.add(id(table, a.key(), a.version()));
                if (a.value() == null) {
                    view.remove(a.key());
                } else {
                    view.put(a.key(), new Versioned(a.version(), a.value()));
                }
            }
        }
        if (view == null) {
            // The churn may close a subscriber before its first snapshot arrived (a node's first subscriber
            // of a table waits for the table's state): then it had nothing to compare, only frames to check.
            if (!subscriber.closed()) {
                findings.add(who + ": never received a snapshot");
            }
            subscriber.rawFindings().forEach(raw -> findings.add(who + ": " + raw));
            return findings;
        }
        if (subscriber.staleDropped() > 0) {
            findings.add(who + ": its client dropped " + subscriber.staleDropped()
                    + " changes it already had (sent twice or out of order)");
        }
        subscriber.rawFindings().forEach(raw -> findings.add(who + ": " + raw));
        for (Write write : writes) {
            if (subscriber.conflated() || subscriber.closed()) {
                // A write superseded within an interval is not sent, and the final view says the rest; one
                // made after the subscriber closed could never arrive.
                break;
            }
            if (!write.table().equals(table) || !subscriber.scope().matches(write.key())
                    || appliedSinceSnapshot.contains(id(table, write.key(), write.version()))) {
                continue;
            }
            Versioned base = lastSnapshot.get(write.key());
            boolean afterSnapshot = base != null ? write.version() > base.version()
                    : held.containsKey(write.key()) && write.version() >= firstApplied(subscriber, write.key());
            if (afterSnapshot) {
                findings.add(who + ": acknowledged write " + write.key() + "@" + write.version() + " never arrived");
            }
        }
        TreeMap<String, Versioned> watched = new TreeMap<>(live);
        watched.keySet().removeIf(key -> !subscriber.scope().matches(key));
        if (!subscriber.closed() && !view.equals(watched)) {
            findings.add(who + ": final view differs from MySQL:\n  mysql " + watched + "\n  view  " + view);
        }
        return findings;
    }

    /** The first version of {@code key} the subscriber applied after its last snapshot. */
    private static long firstApplied(Subscriber subscriber, String key) {
        long first = Long.MAX_VALUE;
        for (Event event : subscriber.events()) {
            if (event instanceof Snapshot) {
                first = Long.MAX_VALUE;
            } else if (event instanceof Applied a && a.key().equals(key) && first == Long.MAX_VALUE) {
                first = a.version();
            }
        }
        return first;
    }

    private static String id(String table, String key, long version) {
        return table + "\u0000" + key + "\u0000" + version;
    }

    /**
     * Fails the test unless the history passes and the checker rejects two corruptions of it: one
     * change taken out of the middle of a key's stream (a gap), and one change delivered twice (a
     * duplicate). The second half shows the checker can fail on this very history.
     */
    static void assertPasses(List<Write> writes, List<Subscriber> subscribers, Map<String, Map<String, Versioned>> mysql) {
        List<String> findings = check(writes, subscribers, mysql);
        assertTrue(findings.isEmpty(), "the history checker found:\n" + String.join("\n", findings));
        List<String> gap = check(writes, corrupted(subscribers, false), mysql);
        assertTrue(gap.stream().anyMatch(f -> f.contains("gap")), "a change taken out is not seen as a gap: " + gap);
        List<String> duplicate = check(writes, corrupted(subscribers, true), mysql);
        assertFalse(duplicate.isEmpty(), "a change delivered twice passes the checker");
        assertTrue(duplicate.stream().anyMatch(f -> f.contains("duplicate")), "not seen as a duplicate: " + duplicate);
    }

    /**
     * The same histories with the first change that has a later change of the same key behind it
     * removed, or repeated right after itself.
     */
    static List<Subscriber> corrupted(List<Subscriber> subscribers, boolean duplicate) {
        List<Subscriber> result = new ArrayList<>(subscribers);
        for (int s = 0; s < subscribers.size(); s++) {
            Subscriber subscriber = subscribers.get(s);
            List<Event> events = subscriber.events();
            for (int i = 0; i < events.size(); i++) {
                if (events.get(i) instanceof Applied a && hasLaterChange(events, i, a.key())) {
                    List<Event> changed = new ArrayList<>(events);
                    if (duplicate) {
                        changed.add(i + 1, a);
                    } else {
                        changed.remove(i);
                    }
                    result.set(s, subscriber.withEvents(changed));
                    return result;
                }
            }
        }
        throw new AssertionError("no key changed twice in a row for any subscriber: the history is too thin to test the checker");
    }

    private static boolean hasLaterChange(List<Event> events, int index, String key) {
        for (int i = index + 1; i < events.size(); i++) {
            if (events.get(i) instanceof Snapshot) {
                return false;
            }
            if (events.get(i) instanceof Applied a && a.key().equals(key)) {
                return true;
            }
        }
        return false;
    }
}
