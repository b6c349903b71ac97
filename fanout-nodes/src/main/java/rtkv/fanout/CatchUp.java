package rtkv.fanout;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import rtkv.schema.ErrorCode;

/**
 * Resumes subscribers from their tokens: replays each one's table after its token straight from Kafka,
 * then attaches it to the live stream at the exact point the replay reached. When the log no longer
 * holds what follows the token, or the token does not fit, the subscriber is told {@code resync} and
 * gets a fresh snapshot instead: never a silent gap.
 *
 * <p>The resumers of a partition share one reader, {@link PartitionReplay}: when a node dies holding
 * ten thousand readers of an article, they all resume on the others at once, and each survivor reads
 * the log once for them, on one thread and one consumer per partition, not once for each.
 */
final class CatchUp implements AutoCloseable {

    private final FanoutConfig config;
    private final String topicTag;
    private final FanoutMetrics metrics;
    private final Clock clock;
    private final Map<Integer, PartitionReplay> replays = new HashMap<>();
    private boolean closed;

    CatchUp(FanoutConfig config, String topicTag, FanoutMetrics metrics, Clock clock) {
        this.config = config;
        this.topicTag = topicTag;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** {@code text} is the subscriber's resume parameter; the subscriber is already admitted to {@code state}. */
    void resume(Subscriber subscriber, TableState state, String text) {
        Token token = Token.parse(text, topicTag).orElse(null);
        if (token == null || token.partition() != state.partition() || token.shard() != state.shard()) {
            PartitionReplay.resync(metrics, subscriber, state, FanoutMetrics.Resync.FOREIGN_TOKEN,
                    "the resume token does not belong to this table on this cluster");
            return;
        }
        PartitionReplay.Resumer resumer = new PartitionReplay.Resumer(subscriber, state, token, text);
        synchronized (this) {
            if (closed) {
                subscriber.refuse(1011, ErrorCode.UNAVAILABLE, "this node is stopping; reconnect");
                return;
            }
            PartitionReplay replay = replays.get(token.partition());
            if (replay == null || !replay.offer(resumer)) {
                // None yet, or the last one has just found nobody left and ended.
                replay = new PartitionReplay(config, token.partition(), topicTag, metrics, clock);
                replay.offer(resumer);
                replays.put(token.partition(), replay);
                replay.start();
            }
        }
    }

    /** Replays running now, for the metrics and tests: at most one per partition. */
    synchronized int running() {
        return (int) replays.values().stream().filter(PartitionReplay::isRunning).count();
    }

    @Override
    public void close() {
        Map<Integer, PartitionReplay> stopping;
        synchronized (this) {
            closed = true;
            stopping = Map.copyOf(replays);
        }
        stopping.values().forEach(PartitionReplay::close);
    }
}
