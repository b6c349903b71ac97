package rtkv.fanout;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import rtkv.schema.ChangeEvent;
import rtkv.schema.ChangeOp;

/**
 * One table as a fanout node holds it while anyone here watches it: its rows, kept current by the
 * change feed, and its subscribers. Built once from a consistent snapshot of the shard plus the
 * changes that arrived meanwhile, so a new subscriber gets its snapshot from memory, not from MySQL.
 *
 * <p>Every method runs under this object's lock: the feed applies a change and writes it to the
 * subscribers, or a subscriber joins and is sent the state, never both at once, so nothing is sent
 * out of order, twice or not at all.
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
    private final Map<String, Entry> entries = new HashMap<>();
    private final List<Buffered> buffer = new ArrayList<>();
    private final List<Subscriber> waiting = new ArrayList<>();
    // Copy on write: subscribers join and leave rarely, changes are written to all of them often, and a
    // subscriber cut off while a change is being written must not disturb the loop.
    private Subscriber[] live = new Subscriber[0];
    private Phase phase = Phase.LOADING;
    private long covered = -1;
    private long lastOffset;
    private int members;

    private record Buffered(ChangeEvent event, long offset) {
    }

    /** @param feedPosition the offset of the last record of the partition the feed has handed out */
    TableState(String table, int partition, int shard, String topicTag, int snapshotChunk, Clock clock,
               LongSupplier feedPosition) {
        this.table = table;
        this.partition = partition;
        this.shard = shard;
        this.topicTag = topicTag;
        this.snapshotChunk = snapshotChunk;
        this.clock = clock;
        this.feedPosition = feedPosition;
        this.lastOffset = -1;
    }

    /**
     * Up to where this node has handed out the partition: a change at or before it has been applied
     * here and written to the live subscribers already, or belongs to another table.
     */
    long processedThrough() {
        return feedPosition.getAsLong();
    }

    /**
     * The feed's position in the partition once this state is registered with it: every change of the
     * table up to there was published, so committed, before the snapshot is read.
     */
    synchronized void startAt(long processedThrough) {
        lastOffset = Math.max(lastOffset, processedThrough);
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

    synchronized Phase phase() {
        return phase;
    }

    /** From the feed, in offset order: every change of this table. */
    synchronized void onChange(ChangeEvent event, long offset) {
        lastOffset = offset;
        if (phase == Phase.LOADING) {
            buffer.add(new Buffered(event, offset));
            return;
        }
        if (phase != Phase.LIVE) {
            return;
        }
        apply(event);
        String frame = null;
        for (Subscriber subscriber : live) {
            if (!subscriber.holds(event)) {
                if (frame == null) {
                    frame = Frames.change(event, new Token(partition, offset, event.shard(), event.seq() - 1).encode(topicTag));
                }
                subscriber.send(frame);
            }
        }
    }

    /** The shard's snapshot has been read: merge what arrived meanwhile, answer who waited, go live. */
    synchronized void goLive(Snapshots.Snapshot snapshot) {
        if (phase != Phase.LOADING) {
            return;
        }
        entries.putAll(snapshot.entries());
        covered = snapshot.covered();
        for (Buffered b : buffer) {
            // A change up to the snapshot's GTID is already in the rows read.
            if (!(b.event().shard() == shard && b.event().seq() <= covered)) {
                apply(b.event());
            }
        }
        buffer.clear();
        phase = Phase.LIVE;
        for (Subscriber subscriber : waiting) {
            sendSnapshot(subscriber);
            addLive(subscriber);
        }
        waiting.clear();
    }

    /** The snapshot could not be read: everyone waiting is told, and the state is dropped. */
    synchronized void fail(String message) {
        phase = Phase.FAILED;
        for (Subscriber subscriber : waiting) {
            subscriber.refuse(1011, "unavailable", message);
        }
        for (Subscriber subscriber : live) {
            subscriber.refuse(1011, "unavailable", message);
        }
        waiting.clear();
        live = new Subscriber[0];
    }

    /**
     * A new subscriber, counted against {@code cap}: sent the table's contents when it is live (or as
     * soon as it is), then every change after them.
     */
    synchronized Admission join(Subscriber subscriber, int cap) {
        Admission admission = admit(cap);
        if (admission == Admission.JOINED) {
            enter(subscriber);
        }
        return admission;
    }

    /** An admitted subscriber that gets the table's contents: now if live, else as soon as it is. */
    synchronized void enter(Subscriber subscriber) {
        if (phase == Phase.LIVE) {
            sendSnapshot(subscriber);
            addLive(subscriber);
        } else if (phase == Phase.LOADING) {
            waiting.add(subscriber);
        } else {
            subscriber.refuse(1011, "unavailable", "the table's state was dropped; reconnect");
        }
    }

    /** A resuming subscriber, counted against {@code cap}; it catches up from Kafka before it is attached. */
    synchronized Admission admit(int cap) {
        if (phase == Phase.CLOSED || phase == Phase.FAILED) {
            return Admission.GONE;
        }
        if (members >= cap) {
            return Admission.FULL;
        }
        members++;
        return Admission.JOINED;
    }

    /** A change a resuming subscriber read from Kafka and has not been sent yet. */
    record Replayed(long offset, String frame) {
    }

    /**
     * A resuming subscriber joins the live stream at exactly the point this node has reached: it has read
     * the partition through {@code readThrough}, at least as far as this node; of what it read and
     * holds back ({@code ahead}), what this node has already handed out is sent now and the rest is
     * dropped, since this node sends it once attached. Answers false when it must read further first.
     */
    synchronized boolean attach(Subscriber subscriber, long readThrough, Deque<Replayed> ahead) {
        // The feed's position is published after a change is applied; lastOffset is set while applying.
        long processed = Math.max(processedThrough(), lastOffset);
        if (phase != Phase.LIVE || readThrough < processed) {
            return false;
        }
        for (Replayed replayed : ahead) {
            if (replayed.offset() <= processed) {
                subscriber.send(replayed.frame());
            }
        }
        ahead.clear();
        addLive(subscriber);
        return true;
    }

    /** Answers true when nobody is left, and then the state is closed for good. */
    synchronized boolean leave(Subscriber subscriber) {
        live = Arrays.stream(live).filter(s -> s != subscriber).toArray(Subscriber[]::new);
        waiting.remove(subscriber);
        members = Math.max(0, members - 1);
        if (members == 0 && phase != Phase.FAILED) {
            phase = Phase.CLOSED;
            return true;
        }
        return false;
    }

    /** A pinned member that never leaves, for a table the node itself reads (its settings). */
    synchronized void pin() {
        members++;
    }

    synchronized Entry entry(String key) {
        return entries.get(key);
    }

    synchronized int subscribers() {
        return live.length + waiting.size();
    }

    private void addLive(Subscriber subscriber) {
        Subscriber[] grown = Arrays.copyOf(live, live.length + 1);
        grown[live.length] = subscriber;
        live = grown;
    }

    private void apply(ChangeEvent event) {
        Entry current = entries.get(event.key());
        if (current != null && event.version() <= current.version()) {
            return;
        }
        entries.put(event.key(), event.op() == ChangeOp.PUT
                ? new Entry(event.value(), event.version(), event.expiresAt())
                : new Entry(null, event.version(), null));
    }

    /** The live keys in key order, in chunks; the last chunk carries the token of this state. */
    private void sendSnapshot(Subscriber subscriber) {
        long now = clock.millis();
        TreeMap<String, Entry> visible = new TreeMap<>();
        entries.forEach((key, entry) -> {
            if (entry.isLive(now)) {
                visible.put(key, entry);
            }
        });
        String token = new Token(partition, lastOffset, shard, covered).encode(topicTag);
        List<Map.Entry<String, Entry>> chunk = new ArrayList<>(Math.min(snapshotChunk, visible.size()));
        for (Map.Entry<String, Entry> entry : visible.entrySet()) {
            chunk.add(entry);
            if (chunk.size() == snapshotChunk) {
                subscriber.send(Frames.snapshot(chunk, false, null));
                chunk.clear();
            }
        }
        subscriber.send(Frames.snapshot(chunk, true, token));
        subscriber.holdsUpTo(shard, covered);
    }
}
