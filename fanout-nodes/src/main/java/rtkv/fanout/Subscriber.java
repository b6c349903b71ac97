package rtkv.fanout;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.api.StatusCode;
import rtkv.schema.ChangeEvent;
import rtkv.schema.ErrorCode;

/**
 * One subscription to one table, on a WebSocket of its own or on one it shares ({@link Channel}). Frames
 * are written asynchronously, so a slow reader never blocks anyone; the bytes of changes queued for it are
 * bounded, and past the bound it is sent {@code resync} and ended, so the memory it holds is bounded too:
 * that bound, plus while it is being written the one snapshot it asked for (a table larger than the bound
 * must still be deliverable).
 */
final class Subscriber {

    /** Close codes beyond the standard ones. */
    static final int UNAUTHORIZED = 4401;
    static final int FORBIDDEN = 4403;
    static final int NO_HEARTBEAT = 4408;
    static final int TOO_MANY_SUBSCRIBERS = 4429;
    /** Another node serves the table: a {@code moved} frame says which, when known. */
    static final int MOVED = 4308;

    private final Channel channel;
    private final String table;
    private final String keyId;
    private final long maxPendingBytes;
    private final int conflateMillis;
    private final KeyScope scope;
    private final Clock clock;
    private final FanoutMetrics metrics;
    private final AtomicLong pendingBytes = new AtomicLong();
    private final AtomicLong snapshotBytes = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile long lastHeardMillis;
    private volatile int coveredShard = -1;
    private volatile long covered = -1;
    private volatile Runnable onClose = () -> { };
    // Set once a frame is queued, so a heartbeat queued after seeing it goes after that frame.
    private volatile boolean started;
    private volatile long conflatedFrom = -1;
    // What a resumed subscriber was sent by its replay, while the state it joined may still be sent changes
    // its snapshot holds and this subscriber lacks: a relay that lags publishes them after the snapshot.
    private volatile KeyVersions resumedFilter;
    // Any frame tells the client the node is alive, so a heartbeat round skips one sent something since
    // the last round. Races between the feed and the heartbeat thread cost one round at most, and
    // clients wait three rounds before they give up on the node.
    private volatile boolean sentSinceHeartbeat;
    // Confined to the feed thread that writes changes to this subscriber.
    private boolean unflushed;

    /**
     * @param keyId          the id of the API key it subscribed with, null for the admin key
     * @param conflateMillis 0 for every change as it comes, else at most one change per key per this interval
     * @param scope          the keys it watches: it is sent only theirs, in its snapshot and after
     */
    Subscriber(Channel channel, String table, String keyId, long maxPendingBytes, int conflateMillis, KeyScope scope,
               Clock clock, FanoutMetrics metrics) {
        this.metrics = metrics;
        this.channel = channel;
        this.table = table;
        this.keyId = keyId;
        this.maxPendingBytes = maxPendingBytes;
        this.conflateMillis = conflateMillis;
        this.scope = scope;
        this.clock = clock;
        this.lastHeardMillis = clock.millis();
    }

    String table() {
        return table;
    }

    String keyId() {
        return keyId;
    }

    int conflateMillis() {
        return conflateMillis;
    }

    /** Whether it shares its connection with other subscriptions, whose heartbeats and silence are the connection's. */
    boolean shared() {
        return channel.shared();
    }

    KeyScope scope() {
        return scope;
    }

    /** Conflated changes up to this partition offset are not sent to it: it had them another way. */
    void conflatedFrom(long offset) {
        this.conflatedFrom = offset;
    }

    long conflatedFrom() {
        return conflatedFrom;
    }

    /** What it already holds from its snapshot or its resume token: changes of that shard up to {@code covered}. */
    void holdsUpTo(int shard, long sequence) {
        this.coveredShard = shard;
        this.covered = sequence;
    }

    boolean holds(ChangeEvent event) {
        return event.shard() == coveredShard && event.seq() <= covered;
    }

    /** Resumed: until its state passes its snapshot, changes the snapshot holds go to it when it lacks them. */
    void resumedWith(KeyVersions sent) {
        this.resumedFilter = sent;
    }

    /**
     * Whether to send it a change its state took ({@code taken}), or one its state's snapshot holds, which
     * only a subscriber resumed from an older point may lack. Once its state takes a change after its
     * snapshot, every change the snapshot holds has passed. Called by one thread at a time (the feed's, or
     * the conflation thread's).
     */
    boolean wants(ChangeEvent event, boolean taken) {
        if (taken) {
            resumedFilter = null;
            return !holds(event) && scope.matches(event.key());
        }
        KeyVersions filter = resumedFilter;
        return filter != null && scope.matches(event.key()) && !holds(event) && filter.offer(event);
    }

    /** Called once when it is gone for whatever reason, so the table can let go of it. */
    void onClose(Runnable action) {
        this.onClose = action;
    }

    void heard() {
        lastHeardMillis = clock.millis();
    }

    boolean silentFor(long millis) {
        return clock.millis() - lastHeardMillis > millis;
    }

    boolean isClosed() {
        return closed.get();
    }

    /** Bytes queued to this connection and not written yet, snapshot included. */
    long pendingBytes() {
        return pendingBytes.get() + snapshotBytes.get();
    }

    void send(String frame) {
        send(Encoded.of(frame), false);
    }

    /**
     * Queues a frame encoded once for everyone it goes to. {@code batch}: it may wait in the connection's
     * buffer for the frames after it, until {@link #flush()}, so a burst of changes is one write, not one
     * per change.
     */
    void send(Encoded frame, boolean batch) {
        if (closed.get()) {
            return;
        }
        int size = frame.size() + channel.overhead();
        if (pendingBytes.addAndGet(size) > maxPendingBytes) {
            pendingBytes.addAndGet(-size);
            cutOff();
            return;
        }
        channel.send(frame, Callback.from(() -> pendingBytes.addAndGet(-size), failure -> pendingBytes.addAndGet(-size)),
                batch);
        started = true;
        sentSinceHeartbeat = true;
    }

    /** Sends {@code heartbeat} unless other frames went out since the last round. */
    void heartbeat(Encoded heartbeat) {
        if (sentSinceHeartbeat) {
            sentSinceHeartbeat = false;
            return;
        }
        send(heartbeat, false);
        sentSinceHeartbeat = false;
    }

    /** Writes what batched sends left in the connection's buffer. */
    void flush() {
        if (!closed.get()) {
            channel.flush();
        }
    }

    /**
     * For the one feed thread that writes changes to this subscriber: answers true the first time after
     * a flush, so the feed lists each subscriber to flush once per poll.
     */
    boolean markUnflushed() {
        if (unflushed) {
            return false;
        }
        unflushed = true;
        return true;
    }

    /** For the feed thread, after a poll: flushes what its changes left batched. */
    void flushBatched() {
        unflushed = false;
        flush();
    }

    /** The live keys in its scope, in key order, in frames of {@code chunk} keys; the last one carries {@code token}. */
    void sendSnapshot(SortedMap<String, Entry> keys, int chunk, String token) {
        List<Map.Entry<String, Entry>> part = new ArrayList<>(Math.min(chunk, keys.size()));
        for (Map.Entry<String, Entry> entry : keys.entrySet()) {
            part.add(entry);
            if (part.size() == chunk) {
                sendSnapshotPart(Frames.snapshot(part, false, null));
                part.clear();
            }
        }
        sendSnapshotPart(Frames.snapshot(part, true, token));
    }

    /** A chunk of the subscriber's snapshot: it counts, but never cuts the subscriber off. */
    private void sendSnapshotPart(String frame) {
        if (closed.get()) {
            return;
        }
        long size = Frames.utf8Length(frame);
        snapshotBytes.addAndGet(size);
        channel.sendText(frame, Callback.from(() -> snapshotBytes.addAndGet(-size), failure -> snapshotBytes.addAndGet(-size)));
        started = true;
    }

    /**
     * Whether its first frame (snapshot, resumed or resync) is on its way: heartbeats wait for it, so that
     * a subscription always starts with what the protocol says it starts with.
     */
    boolean started() {
        return started;
    }

    /** Too slow: told to resync, after what is already queued, and closed. */
    void cutOff() {
        if (closed.compareAndSet(false, true)) {
            metrics.droppedTooSlow();
            channel.sendText(Frames.resync("too slow: more than " + maxPendingBytes + " bytes were waiting to be sent"),
                    Callback.NOOP);
            channel.end(StatusCode.TRY_AGAIN_LATER, "too slow");
            onClose.run();
        }
    }

    /** Refused or timed out: an error frame, then a close with {@code code}. */
    void refuse(int code, ErrorCode error, String message) {
        if (closed.compareAndSet(false, true)) {
            channel.sendText(Frames.error(error, message), Callback.NOOP);
            channel.end(code, closeReason(message));
            onClose.run();
        }
    }

    /** Told to resume on {@code node} (null: on any node, which sends it on), then closed. */
    void moved(String node, String message) {
        if (closed.compareAndSet(false, true)) {
            channel.sendText(Frames.moved(node, message), Callback.NOOP);
            channel.end(MOVED, closeReason(message));
            onClose.run();
        }
    }

    /** The connection is gone (closed by the client or broken). */
    void gone() {
        if (closed.compareAndSet(false, true)) {
            onClose.run();
        }
    }

    /** A close reason is at most 123 bytes. */
    static String closeReason(String reason) {
        return reason.length() <= 120 ? reason : reason.substring(0, 117) + "...";
    }
}
