package rtkv.relay;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a shard's relay running in whichever process holds the shard's {@link ShardLease}. Every relay
 * process of a shard runs one: it waits as a standby until it gets the lease, then starts a
 * {@link Relay} and renews the lease every quarter term. The run stops the moment the lease is in
 * doubt or the run fails; then the lease is let go (a standby, already waiting, takes it at once) and
 * this process waits again, after a backoff. No supervisor is needed to recover from a lost shard
 * connection or a Kafka outage, and two relays never publish one shard's changes at once.
 *
 * <p>Lifecycle: {@link #start()}, {@link #role()} (ready when "active" and streaming; a "standby"
 * behind an active relay is ready to take over, which is what a rollout waits for), {@link #close()},
 * which lets the lease go at once for the standby.
 */
final class FailoverRelay implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FailoverRelay.class);
    private static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    /** A run that lasted this long was healthy: the next failure backs off from the start again. */
    private static final Duration HEALTHY_RUN = Duration.ofMinutes(1);

    private final RelayConfig config;
    private final Clock clock;
    private final ShardLease lease;
    private final Thread loop;
    private final Object pause = new Object();
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private volatile boolean closing;
    private volatile boolean leaseHeld;
    private volatile Relay run;
    private volatile Gate gate;

    /**
     * A run's right to start a send, checked before every one: it lasts half a term from when the last
     * confirmed renewal was asked, so a late or starved renewal thread closes it by itself, well before
     * the server can free the lock. One per run, so a straggling thread of an old run never sees a later
     * run's renewals. Sends already handed to the producer are not recalled (see DESIGN).
     */
    private static final class Gate {
        private final long halfTerm;
        private volatile long openUntilNanos;
        private volatile boolean shut;

        Gate(Duration term) {
            this.halfTerm = term.toNanos() / 2;
        }

        void renewedAsOf(long askedNanos) {
            openUntilNanos = askedNanos + halfTerm;
        }

        void shut() {
            shut = true;
        }

        boolean isOpen() {
            return !shut && System.nanoTime() - openUntilNanos < 0;
        }
    }

    private final RelayMetrics metrics;

    FailoverRelay(RelayConfig config, Clock clock, MeterRegistry meters) {
        this.config = config;
        this.clock = clock;
        this.lease = new ShardLease(config);
        this.metrics = new RelayMetrics(meters, config.shardId(), clock, this::role);
        this.loop = new Thread(this::runWhileOpen, "relay-failover-" + config.shardId());
    }

    void start() {
        loop.start();
    }

    /**
     * "active" (holding the lease and streaming), "starting" (holding it), "standby", or "connecting". A
     * relay whose gate has closed (no renewal confirmed for half a term, as after a pause) no longer
     * claims the lease while its renewal thread catches up: it says "connecting".
     */
    String role() {
        Gate runGate = gate;
        if (leaseHeld && runGate != null && !runGate.isOpen()) {
            return "connecting";
        }
        if (leaseHeld) {
            Relay current = run;
            return current != null && current.isReady() ? "active" : "starting";
        }
        return lease.heldByAnother() ? "standby" : "connecting";
    }

    /** Completes once {@link #close()} has stopped everything; exceptionally when the loop ended by itself. */
    CompletableFuture<Void> ended() {
        return ended;
    }

    boolean isAlive() {
        return loop.isAlive();
    }

    private void runWhileOpen() {
        Duration backoff = FIRST_BACKOFF;
        try {
            while (!closing && lease.acquire(() -> closing)) {
                leaseHeld = true;
                metrics.leaseTaken();
                Instant began = clock.instant();
                Throwable failure;
                try {
                    failure = runWhileLeaseHeld();
                    if (!closing && BinlogGap.isPurgedPosition(failure)) {
                        skipGap();
                    }
                } catch (RuntimeException e) {
                    failure = e; // a bug here must not leave the shard without a relay: let go and try again
                } finally {
                    leaseHeld = false;
                    lease.close();
                }
                if (closing) {
                    break;
                }
                if (Duration.between(began, clock.instant()).compareTo(HEALTHY_RUN) > 0) {
                    backoff = FIRST_BACKOFF;
                }
                LOG.warn("shard {}: the relay stopped ({}); lease released, trying again in {} s", config.shardId(),
                        failure == null ? "the engine ended" : failure.toString(), backoff.toSeconds(), failure);
                synchronized (pause) {
                    if (!closing) {
                        pause.wait(backoff.toMillis());
                    }
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            LOG.error("shard {}: the failover loop failed", config.shardId(), e);
            ended.completeExceptionally(e);
        } finally {
            leaseHeld = false;
            lease.close();
            if (!closing) {
                // A process that no longer relays must not look alive: RelayMain exits, its supervisor restarts it.
                ended.completeExceptionally(new RelayException("cdc-relay shard " + config.shardId() + ": the failover loop ended"));
            }
            ended.complete(null);
        }
    }

    /** Only while the lease is confirmed, before each step that writes, so that no other relay streams meanwhile. */
    private void skipGap() throws InterruptedException {
        try {
            BinlogGap.skipToCurrentPosition(config, clock, lease::renew);
            metrics.gapMarked();
        } catch (RelayException e) {
            LOG.error("shard {}: marking the purged binlog's gap failed; trying again", config.shardId(), e);
        }
    }

    /**
     * Starts a run and renews the lease until the run ends, the lease is in doubt, or close() is called;
     * the run's startup (which may wait for Kafka) happens on another thread so that renewals go on.
     */
    private Throwable runWhileLeaseHeld() throws InterruptedException {
        Gate gate = new Gate(config.leaseTerm());
        this.gate = gate;
        long asked = System.nanoTime();
        if (!lease.renew()) {
            return new RelayException("cdc-relay shard " + config.shardId() + ": the lease was lost as soon as it was taken");
        }
        gate.renewedAsOf(asked);
        Relay relay = new Relay(config, clock, gate::isOpen, metrics, lease.holderId());
        run = relay;
        CompletableFuture<Void> running = CompletableFuture.runAsync(() -> {
            try {
                relay.start();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RelayException("cdc-relay shard " + config.shardId() + ": interrupted while starting", e);
            }
        }, r -> new Thread(r, "relay-start-" + config.shardId()).start()).thenCompose(ignored -> relay.stopped());
        try {
            while (!closing) {
                try {
                    running.get(lease.renewEvery().toMillis(), TimeUnit.MILLISECONDS);
                    return null;
                } catch (TimeoutException e) {
                    long renewal = System.nanoTime();
                    if (!lease.renew()) {
                        gate.shut();
                        return new RelayException("cdc-relay shard " + config.shardId() + ": the lease could not be renewed");
                    }
                    gate.renewedAsOf(renewal);
                } catch (ExecutionException e) {
                    return e.getCause();
                }
            }
            return null;
        } finally {
            gate.shut();
            leaseHeld = false;
            relay.close();
            run = null;
        }
    }

    /** Stops the run (Debezium saves the position of what Kafka acknowledged) and lets the lease go. */
    @Override
    public void close() {
        closing = true;
        synchronized (pause) {
            pause.notifyAll();
        }
        if (loop.isAlive() && Thread.currentThread() != loop) {
            try {
                // A stuck run must not keep the standby waiting for ever: past this, exiting frees the lease.
                ended.get(45, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                LOG.warn("shard {}: the relay did not stop within 45 s", config.shardId());
            }
        }
    }
}
