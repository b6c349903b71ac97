package rtkv.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.ScheduledExecutorService;

/**
 * How a {@link Subscription} reaches a fanout node: a WebSocket of its own on the one-table address
 * ({@link TableSocket}), or its share of one {@code /v1/stream} connection per node ({@link Streams}). The
 * subscription keeps the state and decides what to do next; a carrier only delivers one attempt's frames
 * and says, once, when that attempt has ended.
 */
interface Carrier {

    /** Starts one attempt to subscribe; its frames, then once its end, go to {@code sink}. */
    Attempt open(Request request, Sink sink);

    /** The timers of backoff, heartbeats and watchdogs. */
    ScheduledExecutorService timers();

    /** Called when a subscription that owns its carrier closes; a shared carrier ignores it. */
    void closeOwned();

    /** A shared carrier whose client closed: its subscriptions stop instead of retrying. */
    boolean isClosed();

    /** What to subscribe to, where: {@code token} is null for a snapshot. */
    record Request(String node, String table, String token, NodeAddress.Options options) {
    }

    /** Where an attempt's frames go. */
    interface Sink {
        /** A frame of this subscription, as received ({@code text}) and parsed. */
        void frame(String text, JsonNode frame);

        /** The attempt is over: the connection is gone, or the server ended the subscription on it. */
        void ended();
    }

    /** One attempt, as long as it lasts. */
    interface Attempt {
        /** Breaks the connection under it as a network failure would (on a stream, every subscription on it sees that). */
        void drop();

        /** The app is done: ends the subscription politely, and reports nothing more. */
        void close();
    }
}
