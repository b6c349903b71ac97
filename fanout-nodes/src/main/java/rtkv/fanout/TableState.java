package rtkv.fanout;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import rtkv.schema.ChangeEvent;
import rtkv.schema.ErrorCode;

/**
 * One table as a fanout node holds it while anyone here watches it: its live keys, kept current by the
 * change feed, and its subscribers. Built once from a consistent snapshot of the shard at a known GTID
 * plus the changes that arrived meanwhile, so a new subscriber gets its snapshot from memory, not MySQL.
 *
 * <p>Changes, joins and attaches run under this object's lock: the feed applies a change and writes it
 * to the subscribers, or a subscriber joins and is sent the state, never both at once, so nothing is
 * sent out of order, twice or not at all. A change is written only when it is newer than what the state
 * holds for its key ({@link KeyVersions}), so a copy or an older version in the topic reaches nobody. The phase is readable without the lock, so nothing that
 * holds another lock (a map bin of {@link Tables}) ever waits for this one.
 *
 * <p>Subscribers who asked for conflated changes are kept apart, in a {@link Conflated} group per
 * interval. Every subscriber is told how many subscribers the table has on this node ({@code presence}),
 * at most once per {@code presenceMillis}, when the number changed.
 */
final class TableState {

    enum Phase { LOADING, LIVE, FAILED, CLOSED }

    /** What happened when a subscriber asked to join. */
    enum Admission { JOINED, FULL, GONE }

    private final String table;
    private final int partition;
    private final int shard;
    private final String topicTag;
    private final int snapshotChunk;
    private final Clock clock;
    private final LongSupplier feedPosition;
    private final ScheduledExecutorService timers;
    private final int presenceMillis;
    private final int maxPendingBytes;
    private final Map<Integer, Conflated> conflated = new HashMap<>();
    private final KeyVersions keys;
    private final Membership<Subscriber> members = new Membership<>();
    private final List<ChangeEvent> buffer = new ArrayList<>();
    private final List<Subscriber> waiting = new ArrayList<>();
    // Copy on write: subscribers join and leave rarely, changes are written to all of them often, and a
    // subscriber cut off while a change is being written must not disturb the loop.
    private Subscriber[] live = new Subscriber[0];
    private volatile Phase phase = Phase.LOADING;
    private volatile boolean moved;
    private long lastOffset = -1;
    private boolean presenceScheduled;
    private int presenceSent = -1;

    /**
     * @param feedPosition    the offset of the last record of the partition the feed has handed out
     * @param timers          runs the conflated sends and the presence updates
     * @param presenceMillis  the least time between two presence frames
     * @param maxPendingBytes conflated changes are sent early once they add up to this many bytes
     */
    TableState(String table, int partition, int shard, String topicTag, int snapshotChunk, Clock clock,
               LongSupplier feedPosition, ScheduledExecutorService timers, int presenceMillis, int maxPendingBytes) {
        this.table = table;
        this.partition = partition;
        this.shard = shard;
        this.topicTag = topicTag;
        this.snapshotChunk = snapshotChunk;
        this.clock = clock;
        this.feedPosition = feedPosition;
        this.timers = timers;
        this.presenceMillis = presenceMillis;
        this.maxPendingBytes = maxPendingBytes;
        this.keys = new KeyVersions(shard, -1);
    }

    String table() {
        return table;
    }

    int partition() {
        return partition;
    }

    int shard() {
        return shard;
    }

    Phase phase() {
        return phase;
    }

    /** Closed because another node serves the table now: a subscriber still catching up moves too. */
    boolean wasMoved() {
        return moved;
    }

    /**
     * Up to where this node has handed out the partition: a change at or before it has been applied
     * here and written to the live subscribers already, or belongs to another table.
     */
    long processedThrough() {
        return feedPosition.getAsLong();
    }

    /**
     * The feed's position once this state is registered with it: every change of the table up to there
     * was published, so committed, before the snapshot is read.
     */
    synchronized void startAt(long processedThrough) {
        lastOffset = Math.max(lastOffset, processedThrough);
    }

    /**
     * From the feed, in offset order: every change of this table. Live subscribers get it batched: the
     * feed flushes each one listed in {@code toFlush} once it has handed out what one poll returned.
     */
    synchronized void onChange(ChangeEvent event, long offset, List<Subscriber> toFlush) {
        lastOffset = offset;
        if (phase == Phase.LOADING) {
            buffer.add(event);
            return;
        }
        if (phase != Phase.LIVE) {
            return;
        }
        boolean applied = keys.offer(event);
        // A change the snapshot holds, published late: only a subscriber that resumed from before it may
        // lack it. Once a later change was taken, one that comes is a copy.
        boolean inSnapshot = !applied && keys.inSnapshot(event) && !keys.passedSnapshot();
        if (!applied && !inSnapshot) {
            return;
        }
        Encoded frame = null;
        for (Subscriber subscriber : live) {
            if (subscriber.wants(event, applied)) {
                if (frame == null) {
                    frame = changeFrame(event, offset);
                }
                subscriber.send(frame, true);
                if (subscriber.markUnflushed()) {
                    toFlush.add(subscriber);
                }
            }
        }
        if (!conflated.isEmpty()) {
            if (frame == null) {
                frame = changeFrame(event, offset);
            }
            for (Conflated group : conflated.values()) {
                group.offer(event, offset, frame, inSnapshot);
                sendSoon(group);
            }
        }
    }

    /** Built once per change, then written to every subscriber of the table. */
    private Encoded changeFrame(ChangeEvent event, long offset) {
        return Encoded.of(Frames.change(event, new Token(partition, offset, event.shard(), event.seq() - 1).encode(topicTag)));
    }

    /**
     * Once the group's interval has passed, or at once when too much waits; always from the conflation
     * thread, one send at a time, so a slow round of writes means fewer frames carrying later values,
     * never a feed that falls behind.
     */
    private void sendSoon(Conflated group) {
        if (group.scheduleOnce()) {
            later(() -> sendConflated(group), group.waitMillis(clock.millis()));
        }
        if (group.pendingBytes() > maxPendingBytes && group.scheduleUrgentOnce()) {
            later(() -> sendConflated(group), 0);
        }
    }

    private void sendConflated(Conflated group) {
        Conflated.Batch batch;
        synchronized (this) {
            if (phase != Phase.LIVE || conflated.get(group.intervalMillis()) != group) {
                return;
            }
            batch = group.take(clock.millis());
        }
        batch.deliver();
    }

    private void later(Runnable task, long delayMillis) {
        try {
            timers.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // the node is stopping
        }
    }

    /** The number of subscribers changed: everyone hears of it within presenceMillis. */
    private void presenceChanged() {
        if (!presenceScheduled && phase == Phase.LIVE) {
            presenceScheduled = true;
            later(this::sendPresence, presenceMillis);
        }
    }

    /** To everyone who has had their snapshot; written outside the lock, like conflated changes. */
    private void sendPresence() {
        List<Subscriber[]> everyone = new ArrayList<>();
        Encoded frame;
        synchronized (this) {
            presenceScheduled = false;
            int count = members.admitted();
            if (phase != Phase.LIVE || count == presenceSent) {
                return;
            }
            presenceSent = count;
            frame = Encoded.of(Frames.presence(count));
            everyone.add(live);
            conflated.values().forEach(group -> everyone.add(group.members()));
        }
        for (Subscriber[] subscribers : everyone) {
            for (Subscriber subscriber : subscribers) {
                subscriber.send(frame, false);
            }
        }
    }

    /** The shard's snapshot has been read: merge what arrived meanwhile, answer who waited, go live. */
    synchronized void goLive(Snapshots.Snapshot snapshot) {
        if (phase != Phase.LOADING) {
            return;
        }
        keys.load(snapshot.entries(), snapshot.covered());
        buffer.forEach(keys::offer);
        buffer.clear();
        phase = Phase.LIVE;
        for (Subscriber subscriber : waiting) {
            if (!subscriber.isClosed()) {
                addLive(subscriber, sendSnapshot(subscriber));
            }
        }
        waiting.clear();
    }

    /** The snapshot could not be read, or the state broke: everyone is told, and the state is dropped. */
    synchronized void fail(String message) {
        end(Phase.FAILED).forEach(subscriber -> subscriber.refuse(1011, ErrorCode.UNAVAILABLE, message));
    }

    /**
     * Another node serves the table now: every subscriber is told to move there and resume from its
     * token (one still catching up finds the state closed and is told to reconnect).
     */
    synchronized void move(String message) {
        moved = true;
        end(Phase.CLOSED).forEach(subscriber -> subscriber.moved(null, message));
    }

    /** Enters {@code last} for good and answers everyone who was subscribed. */
    private List<Subscriber> end(Phase last) {
        phase = last;
        List<Subscriber> everyone = new ArrayList<>(waiting);
        everyone.addAll(Arrays.asList(live));
        waiting.clear();
        live = new Subscriber[0];
        conflated.values().forEach(group -> everyone.addAll(Arrays.asList(group.members())));
        conflated.clear();
        return everyone;
    }

    /**
     * A new subscriber, counted against {@code cap}: sent the table's contents when it is live (or as
     * soon as it is), then every change after them.
     */
    synchronized Admission join(Subscriber subscriber, int cap) {
        Admission admission = admit(subscriber, cap);
        if (admission == Admission.JOINED) {
            enter(subscriber);
        }
        return admission;
    }

    /** A resuming subscriber, counted against {@code cap}; it catches up from Kafka before it is attached. */
    synchronized Admission admit(Subscriber subscriber, int cap) {
        if (phase == Phase.CLOSED || phase == Phase.FAILED) {
            return Admission.GONE;
        }
        return members.admit(subscriber, cap) ? Admission.JOINED : Admission.FULL;
    }

    /** An admitted subscriber that gets the table's contents: now if live, else as soon as it is. */
    synchronized void enter(Subscriber subscriber) {
        if (subscriber.isClosed()) {
            return;
        }
        if (phase == Phase.LIVE) {
            addLive(subscriber, sendSnapshot(subscriber));
        } else if (phase == Phase.LOADING) {
            waiting.add(subscriber);
        } else {
            subscriber.refuse(1011, ErrorCode.UNAVAILABLE, "the table's state was dropped; reconnect");
        }
    }

    /**
     * A resuming subscriber joins the live stream at exactly the point this node has reached. It must
     * have read the partition at least that far, and this node must have reached its token
     * ({@code tokenOffset}), or the node would send again what the subscriber already has. Of what the
     * replay read and holds back, what this node has already handed out is sent now, the rest is dropped:
     * this node sends it once attached. Answers false while either is behind. What the replay sent tells
     * the changes this state's snapshot holds that the subscriber lacks.
     */
    synchronized boolean attach(PartitionReplay.Resumer resumer, long readThrough, long tokenOffset) {
        // The feed's position is published after a change is applied; lastOffset is set while applying.
        long processed = Math.max(processedThrough(), lastOffset);
        if (phase != Phase.LIVE || readThrough < processed || processed < tokenOffset) {
            return false;
        }
        Deque<PartitionReplay.Replayed> ahead = resumer.ahead();
        while (!ahead.isEmpty() && ahead.peek().offset() <= processed) {
            resumer.send(ahead.poll());
        }
        ahead.clear();
        Subscriber subscriber = resumer.subscriber();
        if (!keys.passedSnapshot()) {
            subscriber.resumedWith(resumer.sent());
        }
        if (!subscriber.isClosed()) {
            addLive(subscriber, processed);
        }
        return true;
    }

    /** Answers true when nobody is left, and then the state is closed for good. */
    synchronized boolean leave(Subscriber subscriber) {
        live = Arrays.stream(live).filter(s -> s != subscriber).toArray(Subscriber[]::new);
        waiting.remove(subscriber);
        Conflated group = conflated.get(subscriber.conflateMillis());
        if (group != null && group.remove(subscriber) && group.isEmpty()) {
            conflated.remove(subscriber.conflateMillis());
        }
        if (!members.leave(subscriber)) {
            return false;
        }
        if (members.isEmpty() && phase != Phase.FAILED) {
            phase = Phase.CLOSED;
            return true;
        }
        presenceChanged();
        return false;
    }

    /** A pinned member that never leaves, for a table the node itself reads (its settings). */
    synchronized void pin() {
        members.pin();
    }

    /** The key's live value, or its recent tombstone, or null. */
    synchronized Entry entry(String key) {
        return keys.get(key);
    }

    /** Subscribers admitted here, those still catching up included. */
    synchronized int subscribers() {
        return members.admitted();
    }

    /** From now on it is sent what comes after {@code through}, the partition offset it holds everything up to. */
    private void addLive(Subscriber subscriber, long through) {
        if (subscriber.conflateMillis() > 0) {
            conflated.computeIfAbsent(subscriber.conflateMillis(), Conflated::new).add(subscriber, through);
        } else {
            Subscriber[] grown = Arrays.copyOf(live, live.length + 1);
            grown[live.length] = subscriber;
            live = grown;
        }
        subscriber.send(Frames.presence(members.admitted()));
        presenceChanged();
    }

    /**
     * The live keys in key order, in chunks; the last chunk carries the token of this state. Answers the
     * partition offset the snapshot holds every change up to.
     */
    private long sendSnapshot(Subscriber subscriber) {
        SortedMap<String, Entry> visible = keys.live(clock.millis(), subscriber.scope());
        // Every change of the table up to what the node has handed out is in this state.
        long through = Math.max(lastOffset, processedThrough());
        subscriber.sendSnapshot(visible, snapshotChunk, new Token(partition, through, shard, keys.covered()).encode(topicTag));
        subscriber.holdsUpTo(shard, keys.covered());
        return through;
    }
}
