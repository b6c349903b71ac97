package rtkv.fanout;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import rtkv.metrics.ServiceMetrics;

/**
 * A fanout node's meters: connections and subscribers per table, how far behind the change topic its
 * feed is, how long a change took from the relay's send to the subscribers' connections, and the
 * subscribers cut off as too slow and told to resync.
 */
final class FanoutMetrics {

    /** Why a subscriber was told {@code resync}: a tag value, so a fixed few. */
    enum Resync {
        TOO_SLOW, FOREIGN_TOKEN, LOG_TRUNCATED, TOKEN_AHEAD, TOO_OLD, GAP, UNREADABLE;

        String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Clock clock;
    private final Timer delivery;
    private final DistributionSummary pollLag;
    private final Counter queueDrops;
    private final Map<Resync, Counter> resyncs = new ConcurrentHashMap<>();
    private final Map<Integer, Long> lagByPartition = new ConcurrentHashMap<>();
    private final MultiGauge subscribers;
    private final MultiGauge lag;
    private final Supplier<Map<String, Integer>> subscribersByTable;

    /**
     * @param connections        open subscriber connections now, asked at each scrape
     * @param subscribersByTable the subscribers of each table held here now, asked at each scrape
     */
    FanoutMetrics(MeterRegistry registry, Clock clock, java.util.function.IntSupplier connections,
                  Supplier<Map<String, Integer>> subscribersByTable) {
        this.clock = clock;
        this.subscribersByTable = subscribersByTable;
        // Held strongly: a gauge keeps its object weakly, and nothing else holds this supplier.
        Gauge.builder("rtkv.fanout.connections", connections, java.util.function.IntSupplier::getAsInt).strongReference(true)
                .description("open subscriber connections").register(registry);
        subscribers = MultiGauge.builder("rtkv.fanout.subscribers").description("subscribers of each table on this node")
                .register(registry);
        lag = MultiGauge.builder("rtkv.fanout.consumer.lag").description("changes of each partition this node has not read yet")
                .baseUnit("records").register(registry);
        // Kafka's record time is the relay's send time: with its clock and this node's agreeing (NTP),
        // this is the change's way through Kafka and this node, to the connection's send buffer.
        delivery = ServiceMetrics.latency("rtkv.fanout.delivery", "from the relay sending a change to its subscribers' connections")
                .register(registry);
        pollLag = DistributionSummary.builder("rtkv.fanout.poll.lag").baseUnit("records")
                .description("changes still to read in a partition, each time a poll brought some of it")
                .register(registry);
        queueDrops = Counter.builder("rtkv.fanout.queue.drops")
                .description("subscribers cut off because more than the pending bound waited to be sent to them")
                .register(registry);
        for (Resync reason : Resync.values()) {
            resyncs.put(reason, Counter.builder("rtkv.fanout.resyncs").description("subscribers told resync, by reason")
                    .tag("reason", reason.tag()).register(registry));
        }
    }

    /** A change sent by the relay at {@code sentAtMillis} was handed to its subscribers' connections. */
    void delivered(long sentAtMillis) {
        delivery.record(Math.max(0, clock.millis() - sentAtMillis), TimeUnit.MILLISECONDS);
    }

    /** After a poll that brought changes of the group's partition: how many it still has to read. */
    void lag(int partition, long records) {
        lagByPartition.put(partition, records);
        pollLag.record(records);
    }

    /** Partitions this node no longer reads have no lag of its own. */
    void left(Collection<Integer> partitions) {
        lagByPartition.keySet().removeAll(partitions);
    }

    void droppedTooSlow() {
        queueDrops.increment();
        resync(Resync.TOO_SLOW);
    }

    void resync(Resync reason) {
        resyncs.get(reason).increment();
    }

    /**
     * Brings the per-table and per-partition gauges up to now, then scrapes. One scrape at a time: a
     * refresh replaces the gauges' rows, and a scrape in the middle of another's would miss some.
     */
    synchronized String scrape(ServiceMetrics service) {
        refresh();
        return service.scrape();
    }

    private void refresh() {
        subscribers.register(subscribersByTable.get().entrySet().stream()
                .map(e -> MultiGauge.Row.of(Tags.of("table", e.getKey()), e.getValue())).toList(), true);
        lag.register(lagByPartition.entrySet().stream()
                .map(e -> MultiGauge.Row.of(Tags.of("partition", e.getKey().toString()), e.getValue())).toList(), true);
    }
}
