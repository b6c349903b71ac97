package rtkv.fanout;

import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;

/**
 * One WebSocket subscribed to one table. Frames are written asynchronously, so a slow reader never
 * blocks the feed; the frames queued for it are bounded, and past the bound it is cut off: it leaves
 * the table at once and is sent a close frame after what is queued. A reader that never reads again
 * is dropped by the idle timeout.
 */
final class Subscriber {

    private final Session session;
    private final String table;
    private final int maxPending;
    private final AtomicInteger pending = new AtomicInteger();
    private final Subscribers registry;
    private boolean live;

    Subscriber(Session session, String table, int maxPending, Subscribers registry) {
        this.session = session;
        this.table = table;
        this.maxPending = maxPending;
        this.registry = registry;
    }

    String table() {
        return table;
    }

    /**
     * Sends the opening frame and starts delivery. Changes the feed handles before this are not sent,
     * and none handled after it can overtake the opening frame.
     */
    synchronized void open(String firstFrame) {
        send(firstFrame);
        live = true;
    }

    /** Called from the feed's thread for every change of the table. */
    synchronized void deliver(String frame) {
        if (!live) {
            return;
        }
        if (pending.get() >= maxPending) {
            live = false;
            registry.remove(this);
            session.close(StatusCode.TRY_AGAIN_LATER, "too slow: " + maxPending + " frames behind", Callback.NOOP);
            return;
        }
        send(frame);
    }

    synchronized void close() {
        live = false;
    }

    private void send(String frame) {
        pending.incrementAndGet();
        session.sendText(frame, Callback.from(pending::decrementAndGet, failure -> pending.decrementAndGet()));
    }
}
