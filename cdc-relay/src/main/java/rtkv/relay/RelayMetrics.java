package rtkv.relay;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import rtkv.metrics.ServiceMetrics;

/**
 * A shard relay's meters, each tagged {@code shard}: its role, the changes Kafka acknowledged, and how
 * long after api-service wrote a row Kafka acknowledged its change (the commit-to-Kafka lag).
 */
final class RelayMetrics {

    private final Clock clock;
    private final Counter published;
    private final Counter gaps;
    private final Counter leasesTaken;
    private final Timer commitToKafka;

    /** @param role FailoverRelay.role, asked at each scrape (held strongly: a gauge's weak reference would lose it) */
    RelayMetrics(MeterRegistry registry, int shard, Clock clock, Supplier<String> role) {
        this.clock = clock;
        String tag = Integer.toString(shard);
        Gauge.builder("rtkv.relay.lease.held", role, r -> holds(r.get()) ? 1 : 0)
                .description("1 while this relay holds the shard's lease").tag("shard", tag).strongReference(true)
                .register(registry);
        Gauge.builder("rtkv.relay.streaming", role, r -> r.get().equals("active") ? 1 : 0)
                .description("1 while this relay streams the shard's binlog to Kafka").tag("shard", tag).strongReference(true)
                .register(registry);
        published = Counter.builder("rtkv.relay.changes.published").description("changes Kafka acknowledged")
                .tag("shard", tag).register(registry);
        gaps = Counter.builder("rtkv.relay.gaps").description("gap markers written after the binlog was purged")
                .tag("shard", tag).register(registry);
        leasesTaken = Counter.builder("rtkv.relay.leases.taken").description("times this relay took the shard's lease")
                .tag("shard", tag).register(registry);
        // A row's changed_at is api-service's clock and the acknowledgement this one's: hosts' clocks must agree (NTP).
        commitToKafka = ServiceMetrics.latency("rtkv.relay.commit.to.kafka",
                "from api-service writing a row to Kafka acknowledging its change").tag("shard", tag).register(registry);
    }

    private static boolean holds(String role) {
        return role.equals("active") || role.equals("starting");
    }

    /** Kafka acknowledged a change of a row written at {@code writtenAtMillis}; 0 when that is not known. */
    void published(long writtenAtMillis) {
        published.increment();
        if (writtenAtMillis > 0) {
            commitToKafka.record(Math.max(0, clock.millis() - writtenAtMillis), TimeUnit.MILLISECONDS);
        }
    }

    void gapMarked() {
        gaps.increment();
    }

    void leaseTaken() {
        leasesTaken.increment();
    }
}
