package rtkv.fanout;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.api.StatusCode;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.OpCode;
import rtkv.schema.ErrorCode;

/**
 * One subscription of a {@link StreamSocket}, named by the client's id: how it is opened
 * ({@link Admission.Opening}), then its frames' way out. Its frames are enqueued under its lock, and it
 * ends under it, so none of an ended subscription's frames follows its last (an id may be subscribed
 * again at once, and must not get the old one's).
 */
final class StreamSubscription implements Admission.Opening, Channel {
    private final StreamSocket connection;
    private final String id;
    private final StreamRequest request;
    private final Set<Subscriber> subscribers;
    /** {@code {"id":"ID",}}: what each of its frames begins with instead of its own {@code {}. */
    private final byte[] prefix;
    private volatile Subscriber subscriber;
    private boolean ended;

    StreamSubscription(StreamSocket connection, String id, StreamRequest request, Set<Subscriber> subscribers) {
        this.connection = connection;
        this.id = id;
        this.request = request;
        this.subscribers = subscribers;
        this.prefix = ("{\"id\":\"" + id + "\",").getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String table() {
        return request.table();
    }

    @Override
    public String option(String name) {
        return request.option(name);
    }

    @Override
    public Channel channel() {
        return this;
    }

    @Override
    public void refuse(int code, ErrorCode error, String message) {
        last(Frames.withId(id, Frames.error(error, message)));
    }

    @Override
    public void moved(String node, String message) {
        last(Frames.withId(id, Frames.moved(node, message)));
    }

    @Override
    public void became(Subscriber admitted) {
        this.subscriber = admitted;
        if (connection.isClosed()) {
            // The connection broke while this was admitted: nobody would let go of it otherwise.
            leave();
        }
    }

    @Override
    public synchronized void send(Encoded frame, Callback done, boolean batch) {
        if (ended || connection.isClosed()) {
            done.succeeded();
            return;
        }
        ByteBuffer shared = frame.view();
        ByteBuffer own = ByteBuffer.allocate(prefix.length + shared.remaining() - 1);
        own.put(prefix).put(shared.position(shared.position() + 1)).flip();
        connection.sent();
        connection.core().sendFrame(new Frame(OpCode.TEXT, own), connection.counted(own.remaining(), done), batch);
    }

    @Override
    public synchronized void sendText(String frame, Callback done) {
        if (ended || connection.isClosed()) {
            done.succeeded();
            return;
        }
        String own = Frames.withId(id, frame);
        connection.sent();
        Callback counted = connection.counted(Frames.utf8Length(own), done);
        connection.session().sendText(own, org.eclipse.jetty.websocket.api.Callback.from(counted::succeeded, counted::failed));
    }

    @Override
    public void flush() {
        connection.core().flush(Callback.NOOP);
    }

    @Override
    public void end(int code, String reason) {
        if (code == StatusCode.TRY_AGAIN_LATER) {
            // Cut off as too slow after its resync: on a stream that resync is followed by no snapshot.
            last(Frames.withId(id, Frames.error(ErrorCode.TOO_SLOW, reason + "; subscribe again")));
        } else {
            last(null);
        }
        Subscriber s = subscriber;
        if (s != null) {
            subscribers.remove(s);
        }
        if (code == Subscriber.UNAUTHORIZED || code == Subscriber.NO_HEARTBEAT) {
            // About the connection's key or its client: no other subscription on it may go on.
            connection.refuse(code, code == Subscriber.UNAUTHORIZED ? ErrorCode.UNAUTHORIZED : ErrorCode.NO_HEARTBEAT, reason);
        }
    }

    @Override
    public boolean shared() {
        return true;
    }

    @Override
    public int overhead() {
        return prefix.length - 1;
    }

    /** Its last frame ({@code frame}, or none), after which it has ended and its id is free. */
    private synchronized void last(String frame) {
        if (ended) {
            return;
        }
        if (frame != null) {
            connection.write(frame);
        }
        ended = true;
        connection.forget(id, this);
    }

    /** Unsubscribed, or the connection is gone. */
    void leave() {
        synchronized (this) {
            ended = true;
            connection.forget(id, this);
        }
        Subscriber s = subscriber;
        if (s != null) {
            s.gone();
            subscribers.remove(s);
        }
    }
}
