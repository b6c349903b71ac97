package rtkv.fanout;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import rtkv.auth.Authenticator;
import rtkv.schema.ErrorCode;

/**
 * The node's rounds over its subscribers, once a second each: heartbeats, and a close for a client
 * silent too long; and, on a thread of its own, a second look at their API keys. Lifecycle:
 * {@link #start()}, {@link #close()}.
 */
final class Heartbeats implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Heartbeats.class);
    private static final Encoded HEARTBEAT = Encoded.of(Frames.HEARTBEAT);

    private final FanoutConfig config;
    private final Set<Subscriber> subscribers;
    private final Set<StreamSocket> streams;
    private final Authenticator authenticator;
    private final ScheduledExecutorService heartbeats =
            Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "fanout-heartbeats"));
    /** Apart from the heartbeats: a key may have to be read from a shard that is slow to answer. */
    private final ScheduledExecutorService keyChecks =
            Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "fanout-key-checks"));
    /** Rounds of heartbeats so far; the heartbeat thread's own. */
    private long beats;

    /** @param streams the connections to /v1/stream, whose heartbeats and silence are theirs, not their subscribers' */
    Heartbeats(FanoutConfig config, Set<Subscriber> subscribers, Set<StreamSocket> streams, Authenticator authenticator) {
        this.config = config;
        this.subscribers = subscribers;
        this.streams = streams;
        this.authenticator = authenticator;
    }

    void start() {
        heartbeats.scheduleAtFixedRate(guarded(this::heartbeatAndCloseSilent, "sending heartbeats"), 1, 1,
                TimeUnit.SECONDS);
        keyChecks.scheduleWithFixedDelay(guarded(this::closeRevoked, "checking the keys of open subscriptions"), 1, 1,
                TimeUnit.SECONDS);
    }

    /** A failed round must not end the schedule: it is logged, and the next round tries again. */
    private static Runnable guarded(Runnable round, String what) {
        return () -> {
            try {
                round.run();
            } catch (RuntimeException e) {
                LOG.error("{} failed", what, e);
            }
        };
    }

    /**
     * The heartbeat thread, for tasks of the node's own that must not run on a thread holding a table's
     * lock: closing a refused connection a moment later, and releasing a stream's subscriptions.
     */
    ScheduledExecutorService scheduler() {
        return heartbeats;
    }

    /**
     * Every second, for one of heartbeatSeconds groups of the subscribers: a heartbeat to each, and a
     * close for those silent too long. Each subscriber hears one every heartbeatSeconds, and ten thousand
     * of them are not all written in the same instant, which would stall the changes behind them.
     */
    private void heartbeatAndCloseSilent() {
        long silence = TimeUnit.SECONDS.toMillis(config.clientTimeoutSeconds());
        int groups = config.heartbeatSeconds();
        int group = (int) (beats++ % groups);
        for (Subscriber subscriber : subscribers) {
            if (subscriber.isClosed()) {
                subscribers.remove(subscriber);
            } else if (subscriber.shared() || Math.floorMod(System.identityHashCode(subscriber), groups) != group) {
                continue;
            } else if (subscriber.silentFor(silence)) {
                subscriber.refuse(Subscriber.NO_HEARTBEAT, ErrorCode.NO_HEARTBEAT, "nothing from the client for "
                        + config.clientTimeoutSeconds() + " s; send {\"type\":\"heartbeat\"} every "
                        + config.heartbeatSeconds() + " s");
            } else if (subscriber.started()) {
                subscriber.heartbeat(HEARTBEAT);
            }
        }
        for (StreamSocket stream : streams) {
            if (stream.isClosed()) {
                streams.remove(stream);
            } else if (stream.closedIfTooSlow() || Math.floorMod(System.identityHashCode(stream), groups) != group) {
                continue;
            } else if (stream.silentFor(silence)) {
                stream.refuse(Subscriber.NO_HEARTBEAT, ErrorCode.NO_HEARTBEAT, "nothing from the client for "
                        + config.clientTimeoutSeconds() + " s; send {\"type\":\"heartbeat\"} every "
                        + config.heartbeatSeconds() + " s");
            } else {
                stream.heartbeat(HEARTBEAT);
            }
        }
    }

    /**
     * Every second: each subscriber's key is looked at again (once per key), and the subscriptions of a
     * key that was revoked or has expired since are closed.
     */
    private void closeRevoked() {
        // Empty: the key could not be looked at this round; what was accepted stays, it is looked at again next time.
        Map<String, Optional<Authenticator.Result>> checked = new HashMap<>();
        for (Subscriber subscriber : subscribers) {
            if (!subscriber.isClosed()) {
                refusal(checked, subscriber.keyId()).ifPresent(why -> subscriber.refuse(Subscriber.UNAUTHORIZED,
                        ErrorCode.UNAUTHORIZED, why));
            }
        }
        // A stream with no subscription open has no subscriber to be found above.
        for (StreamSocket stream : streams) {
            if (!stream.isClosed()) {
                refusal(checked, stream.keyId()).ifPresent(why -> stream.refuse(Subscriber.UNAUTHORIZED, ErrorCode.UNAUTHORIZED, why));
            }
        }
    }

    /** Why key {@code id} may no longer subscribe; empty for the admin key (null), a good key, or one not looked at. */
    private Optional<String> refusal(Map<String, Optional<Authenticator.Result>> checked, String id) {
        return id == null ? Optional.empty()
                : checked.computeIfAbsent(id, this::recheck).filter(result -> !result.ok()).map(Authenticator.Result::refusal);
    }

    private Optional<Authenticator.Result> recheck(String id) {
        try {
            return Optional.of(authenticator.recheck(id));
        } catch (RuntimeException e) {
            LOG.warn("cannot look at API key {} again: {}", id, e.getMessage());
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        heartbeats.shutdownNow();
        keyChecks.shutdownNow();
    }
}
