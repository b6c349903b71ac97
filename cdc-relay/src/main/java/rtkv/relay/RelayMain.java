package rtkv.relay;

import java.time.Clock;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import rtkv.config.ConfigException;
import rtkv.metrics.ServiceMetrics;

/**
 * Runs one relay process of a shard until it is stopped (SIGTERM): active while it holds the shard's
 * lease, a standby otherwise ({@link FailoverRelay}). Failures are retried inside the process.
 */
public final class RelayMain {

    private static final Logger LOG = LoggerFactory.getLogger(RelayMain.class);

    private RelayMain() {
    }

    public static void main(String[] args) throws Exception {
        RelayConfig config;
        try {
            config = RelayConfig.from(System.getenv());
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        ServiceMetrics metrics = new ServiceMetrics("cdc-relay");
        FailoverRelay relay = new FailoverRelay(config, Clock.systemUTC(), metrics.registry());
        HealthEndpoint health = new HealthEndpoint(config.host(), config.port(), relay::isAlive, relay::role, metrics);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            relay.close();
            health.close();
            metrics.close();
        }, "relay-shutdown"));
        health.start();
        relay.start();
        try {
            relay.ended().join();
        } catch (CompletionException e) {
            LOG.error("cdc-relay shard {} stopped relaying; exiting so that it is restarted", config.shardId(), e.getCause());
            System.exit(1);
        }
    }
}
