package rtkv.fanout;

import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;

/** The Kafka consumer a {@link ChangeFeed} reads with: a member of the nodes' group, or the system feed's own. */
final class FeedConsumer {

    private FeedConsumer() {
    }

    /** @param advertisedUrl where subscribers reach this node; the group's other members read it from the client id */
    static Properties properties(FanoutConfig config, ChangeFeed.Scope scope, String advertisedUrl) {
        Properties p = config.kafka().clientProperties();
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // Only committed records: the relays publish in Kafka transactions, and a fenced relay's aborted
        // one must never reach a subscriber.
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        if (scope == ChangeFeed.Scope.GROUP) {
            p.put(ConsumerConfig.GROUP_ID_CONFIG, config.group());
            p.put(ConsumerConfig.CLIENT_ID_CONFIG, ChangeFeed.CLIENT_ID_PREFIX + advertisedUrl);
            // Offsets are never committed: a node starts a partition at its end, and the subscribers
            // who come over from its previous owner replay what they missed from their resume tokens.
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
            // Only the partitions that move change hands; the others keep their subscribers.
            p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
            p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, config.sessionTimeoutMillis());
            p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, config.sessionTimeoutMillis() / 3);
        } else {
            p.put(ConsumerConfig.CLIENT_ID_CONFIG, "rtkv-fanout-system");
        }
        return p;
    }
}
