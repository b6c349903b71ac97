package rtkv.fanout;

import org.eclipse.jetty.util.Callback;

/**
 * Where a {@link Subscriber}'s frames go: a WebSocket of its own ({@link SocketChannel}), or its
 * subscription's id on a connection it shares with others ({@link StreamSocket}).
 */
interface Channel {

    /** A frame encoded once for all it goes to; {@code batch}: it may wait for {@link #flush()}. */
    void send(Encoded frame, Callback done, boolean batch);

    /** A frame of this subscriber's own: a snapshot's chunk, a resync, an error, a move. */
    void sendText(String frame, Callback done);

    /** Writes what batched sends left in the connection's buffer. */
    void flush();

    /**
     * The subscription is over, after the frame that says why: a socket of its own closes with
     * {@code code}; on a shared connection this subscription alone ends, unless {@code code} is about the
     * connection (its key, its silence).
     */
    void end(int code, String reason);

    /** Whether the connection carries other subscriptions, and so its heartbeats and silence are its own. */
    boolean shared();

    /** Bytes each frame of this subscriber takes on the wire beyond the frame itself (its id on a stream). */
    int overhead();
}
