package rtkv.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import rtkv.e2e.History.Applied;
import rtkv.e2e.History.Event;
import rtkv.e2e.History.Resync;
import rtkv.e2e.History.Snapshot;
import rtkv.e2e.History.Subscriber;
import rtkv.e2e.History.Versioned;
import rtkv.e2e.History.Write;

class HistoryCheckerTest {

    private static final String T = "t";

    /** a@1 and b@1 before the snapshot; then a@2, a@3 and b@2 (a delete) after it. */
    private static final List<Write> WRITES = List.of(
            new Write(T, "a", 1, "1"), new Write(T, "b", 1, "10"),
            new Write(T, "a", 2, "2"), new Write(T, "a", 3, "3"), new Write(T, "b", 2, null));
    private static final Map<String, Map<String, Versioned>> MYSQL = Map.of(T, Map.of("a", new Versioned(3, "3")));

    private static Snapshot snapshotAtStart() {
        return new Snapshot(Map.of("a", new Versioned(1, "1"), "b", new Versioned(1, "10")));
    }

    private static List<Event> clean() {
        return List.of(snapshotAtStart(), new Applied("a", 2, "2"), new Applied("b", 2, null), new Applied("a", 3, "3"));
    }

    private static List<String> check(List<Event> events) {
        return check(events, 0);
    }

    private static List<String> check(List<Event> events, long staleDropped) {
        return HistoryChecker.check(WRITES, List.of(new Subscriber("s1", T, events, staleDropped, List.of())), MYSQL);
    }

    private static List<Event> with(List<Event> events, int index, Event inserted) {
        List<Event> changed = new ArrayList<>(events);
        changed.add(index, inserted);
        return changed;
    }

    private static List<Event> without(List<Event> events, int index) {
        List<Event> changed = new ArrayList<>(events);
        changed.remove(index);
        return changed;
    }

    private static void assertFinds(List<String> findings, String expected) {
        assertTrue(findings.stream().anyMatch(f -> f.contains(expected)), "expected \"" + expected + "\" in " + findings);
    }

    @Test
    void aCompleteHistoryPasses() {
        assertEquals(List.of(), check(clean()));
    }

    @Test
    void aSkippedVersionIsAGap() {
        assertFinds(check(without(clean(), 1)), "gap: a went from @1 to @3");
    }

    @Test
    void aChangeAppliedTwiceIsADuplicate() {
        assertFinds(check(with(clean(), 2, new Applied("a", 2, "2"))), "duplicate or out of order: a@2 after @2");
    }

    @Test
    void anOlderVersionAfterANewerOneIsOutOfOrder() {
        assertFinds(check(with(clean(), 4, new Applied("a", 2, "2"))), "duplicate or out of order: a@2 after @3");
    }

    @Test
    void changesTheClientDroppedAsStaleAreFound() {
        assertFinds(check(clean(), 2), "dropped 2 changes");
    }

    @Test
    void theLastAcknowledgedWriteMissingIsFoundTwice() {
        List<String> findings = check(without(clean(), 3));
        assertFinds(findings, "acknowledged write a@3 never arrived");
        assertFinds(findings, "final view differs from MySQL");
    }

    @Test
    void aValueOtherThanTheAcknowledgedOneIsFound() {
        List<Event> events = new ArrayList<>(clean());
        events.set(3, new Applied("a", 3, "33"));
        assertFinds(check(events), "a@3 has value 33 but was acknowledged with 3");
    }

    @Test
    void aSecondSnapshotNeedsAResyncBeforeIt() {
        Snapshot fresh = new Snapshot(Map.of("a", new Versioned(2, "2")));
        List<Event> unannounced = List.of(snapshotAtStart(), fresh, new Applied("a", 3, "3"));
        assertFinds(check(unannounced), "a new snapshot without a resync announced");

        List<Event> announced = List.of(snapshotAtStart(), new Resync("behind"), fresh, new Applied("a", 3, "3"));
        assertEquals(List.of(), check(announced));
    }

    @Test
    void aChangeBeforeAnySnapshotAndNoSnapshotAtAllAreFound() {
        assertFinds(check(List.of(new Applied("a", 2, "2"))), "change a@2 before any snapshot");
        assertFinds(check(List.of()), "never received a snapshot");
    }

    @Test
    void aSubscriberClosedBeforeItsSnapshotIsCheckedOnlyForItsFrames() {
        Subscriber closedEarly = new Subscriber("s1", T, List.of(), 0, List.of(), false, List.of(), 0, true);
        assertEquals(List.of(), HistoryChecker.check(WRITES, List.of(closedEarly), MYSQL));

        Subscriber badFrame = new Subscriber("s1", T, List.of(), 0, List.of(), false, List.of("a@2 after @3"), 1, true);
        assertFinds(HistoryChecker.check(WRITES, List.of(badFrame), MYSQL), "a@2 after @3");
        Subscriber changeFirst = closedEarly.withEvents(List.of(new Applied("a", 2, "2")));
        assertFinds(HistoryChecker.check(WRITES, List.of(changeFirst), MYSQL), "change a@2 before any snapshot");
    }

    @Test
    void aKeyAbsentFromTheSnapshotMayStartAfterADeleteButNotAfterAPut() {
        List<Write> writes = List.of(new Write(T, "c", 1, "1"), new Write(T, "c", 2, null), new Write(T, "c", 3, "3"),
                new Write(T, "c", 4, "4"));
        Map<String, Map<String, Versioned>> mysql = Map.of(T, Map.of("c", new Versioned(4, "4")));
        List<Event> afterDelete = List.of(new Snapshot(Map.of()), new Applied("c", 3, "3"), new Applied("c", 4, "4"));
        assertEquals(List.of(), HistoryChecker.check(writes, List.of(new Subscriber("s", T, afterDelete, 0, List.of())), mysql));

        List<Event> putMissing = List.of(new Snapshot(Map.of()), new Applied("c", 4, "4"));
        List<String> findings = HistoryChecker.check(writes, List.of(new Subscriber("s", T, putMissing, 0, List.of())), mysql);
        assertEquals(List.of("s (t): gap: c@4 came without the put @3 before it"), findings);

        // Unless that put left the key with a time to live: it may have expired before the snapshot.
        List<Write> expiring = List.of(new Write(T, "c", 1, "1"), new Write(T, "c", 2, null), new Write(T, "c", 3, "3", true),
                new Write(T, "c", 4, "4"));
        assertEquals(List.of(), HistoryChecker.check(expiring, List.of(new Subscriber("s", T, putMissing, 0, List.of())), mysql));
    }

    @Test
    void theCorruptionsOfAPassingHistoryAreRejected() {
        List<Subscriber> history = List.of(new Subscriber("s1", T, clean(), 0, List.of()));
        HistoryChecker.assertPasses(WRITES, history, MYSQL);
        assertEquals(clean().size() - 1, HistoryChecker.corrupted(history, false).get(0).events().size());
        assertEquals(clean().size() + 1, HistoryChecker.corrupted(history, true).get(0).events().size());
    }

    @Test
    void aConflatedSubscriberMaySkipVersionsButNeverGoBackOrEndElsewhere() {
        List<Event> skipping = List.of(snapshotAtStart(), new Applied("b", 2, null), new Applied("a", 3, "3"));
        assertEquals(List.of(), conflated(skipping, MYSQL));
        assertFinds(conflated(with(skipping, 3, new Applied("a", 2, "2")), MYSQL), "duplicate or out of order: a@2 after @3");
        assertFinds(conflated(without(skipping, 2), MYSQL), "final view differs from MySQL");
        assertFinds(conflated(List.of(snapshotAtStart(), new Applied("a", 3, "30")), MYSQL), "a@3 has value 30");
    }

    private static List<String> conflated(List<Event> events, Map<String, Map<String, Versioned>> mysql) {
        return HistoryChecker.check(WRITES, List.of(new Subscriber("c", T, events, 0, List.of(), true, List.of())), mysql);
    }

    @Test
    void anExpiryIsAChangeWithNoWriteBehindIt() {
        // a@4 expired: the sweeper's change, one above the last write, acknowledged by nobody.
        List<Event> expired = with(clean(), 4, new Applied("a", 4, null));
        assertEquals(List.of(), HistoryChecker.check(WRITES, List.of(new Subscriber("s1", T, expired, 0, List.of())), Map.of()));
        List<Write> withTtl = new ArrayList<>(WRITES);
        withTtl.add(new Write(T, "a", 4, Write.ANY));
        List<Event> ttlChanged = with(clean(), 4, new Applied("a", 4, "3"));
        assertEquals(List.of(), HistoryChecker.check(withTtl, List.of(new Subscriber("s1", T, ttlChanged, 0, List.of())),
                Map.of(T, Map.of("a", new Versioned(4, "3")))));
        assertFinds(HistoryChecker.check(withTtl, List.of(new Subscriber("s1", T, clean(), 0, List.of())), MYSQL),
                "acknowledged write a@4 never arrived");
    }

    @Test
    void whatTheRawFramesShowIsReported() {
        List<String> raw = List.of("sent change a@2 after @2");
        List<String> findings = HistoryChecker.check(WRITES, List.of(new Subscriber("s1", T, clean(), 0, List.of(), false, raw)), MYSQL);
        assertEquals(List.of("s1 (t): sent change a@2 after @2"), findings);
    }

    private static final String TOKEN = "1.Xq3vTzbSQpeZ0d9fK2r1wA.3.1042.0.77";

    /** A snapshot chunk of {@code key@version}, as a node sends it; the last one carries a token. */
    private static String chunk(String key, long version, boolean last) {
        return "{\"type\":\"snapshot\",\"entries\":[{\"key\":\"" + key + "\",\"value\":1,\"version\":" + version
                + ",\"expiresAt\":null}],\"last\":" + last + (last ? ",\"token\":\"" + TOKEN + "\"" : "") + "}";
    }

    private static String change(String op, String key, long version) {
        return "{\"type\":\"change\",\"op\":\"" + op + "\",\"key\":\"" + key + "\",\"value\":" + (op.equals("put") ? "1" : "null")
                + ",\"version\":" + version + ",\"expiresAt\":null,\"token\":\"" + TOKEN + "\"}";
    }

    @Test
    void rawFramesMustGiveEachKeyAHigherVersionUntilAResync() {
        RawFrames frames = new RawFrames();
        frames.frame(chunk("a", 3, false));
        frames.frame(chunk("b", 1, true));
        frames.frame(change("put", "a", 4));
        frames.frame("{\"type\":\"heartbeat\"}");
        // A reconnect that resumed: the versions go on from what was sent before it.
        frames.frame("{\"type\":\"resumed\",\"token\":\"" + TOKEN + "\"}");
        frames.frame(change("delete", "a", 5));
        assertEquals(List.of(), frames.findings());
        frames.frame(change("delete", "a", 5));
        frames.frame(change("put", "b", 1));
        assertEquals(List.of("sent delete a@5 after @5", "sent put b@1 after @1"), frames.findings());
        // After a resync the next snapshot replaces everything, lower versions included.
        RawFrames resynced = new RawFrames();
        resynced.frame(chunk("a", 3, true));
        resynced.frame("{\"type\":\"resync\",\"reason\":\"too slow\"}");
        resynced.frame(chunk("a", 3, true));
        assertEquals(List.of(), resynced.findings());
        resynced.frame(chunk("a", 3, true));
        assertEquals(List.of("sent snapshot a@3 after @3"), resynced.findings(), "a snapshot with no resync before it");
        assertEquals(4, resynced.frames());
        // A connection lost in the middle of its first snapshot starts again without a token.
        RawFrames cut = new RawFrames();
        cut.frame(chunk("a", 3, false));
        cut.connectionLost();
        cut.frame(chunk("a", 3, true));
        cut.connectionLost();
        cut.frame(change("put", "a", 3));
        assertEquals(List.of("sent put a@3 after @3"), cut.findings(), "after a whole snapshot, a reconnect resumes");
    }

    @Test
    void aFrameItsPublishedSchemaDoesNotDescribeIsAFinding() {
        RawFrames frames = new RawFrames();
        frames.frame("{\"type\":\"change\",\"op\":\"put\",\"key\":\"a\",\"version\":4}");
        frames.frame("{\"type\":\"snapshot\",\"entries\":[],\"last\":true}");
        frames.frame("{\"type\":\"gossip\"}");
        List<String> findings = frames.findings();
        assertTrue(findings.stream().anyMatch(f -> f.contains("token") && f.contains("change")), findings.toString());
        assertTrue(findings.stream().anyMatch(f -> f.contains("token") && f.contains("snapshot")), findings.toString());
        assertTrue(findings.stream().anyMatch(f -> f.contains("no known type")), findings.toString());
    }

    @Test
    void aHistoryTooThinToCorruptIsAnError() {
        List<Subscriber> thin = List.of(new Subscriber("s1", T, List.of(snapshotAtStart(), new Applied("a", 2, "2")), 0, List.of()));
        assertThrows(AssertionError.class, () -> HistoryChecker.corrupted(thin, false));
    }

    private static List<String> checkScoped(History.Scope scope, List<Event> events) {
        return HistoryChecker.check(WRITES, List.of(new Subscriber("s1", T, events, 0, List.of(), false, List.of(), 0, false,
                scope)), MYSQL);
    }

    @Test
    void aScopedSubscriberIsCheckedOnItsKeysAlone() {
        List<Event> onlyA = List.of(new Snapshot(Map.of("a", new Versioned(1, "1"))), new Applied("a", 2, "2"),
                new Applied("a", 3, "3"));
        assertEquals(List.of(), checkScoped(History.Scope.only("a"), onlyA));
        assertEquals(List.of(), checkScoped(History.Scope.prefix("a"), onlyA));
        // Watching b alone: its snapshot holds b@1, then b's delete; MySQL has no b left.
        assertEquals(List.of(), checkScoped(History.Scope.only("b"), List.of(new Snapshot(Map.of("b", new Versioned(1, "10"))),
                new Applied("b", 2, null))));
    }

    @Test
    void aScopedSubscriberGivenAnotherKeyOrMissingOneOfItsOwnFails() {
        assertFinds(checkScoped(History.Scope.only("a"), clean()), "its snapshot holds b, outside its scope");
        assertFinds(checkScoped(History.Scope.only("a"), clean()), "change b@2 is outside its scope");
        assertFinds(checkScoped(History.Scope.prefix("b"), clean()), "change a@2 is outside its scope");
        List<Event> missing = List.of(new Snapshot(Map.of("a", new Versioned(1, "1"))), new Applied("a", 2, "2"));
        assertFinds(checkScoped(History.Scope.only("a"), missing), "acknowledged write a@3 never arrived");
        assertFinds(checkScoped(History.Scope.only("a"), List.of(new Snapshot(Map.of()))), "final view differs");
    }
}
