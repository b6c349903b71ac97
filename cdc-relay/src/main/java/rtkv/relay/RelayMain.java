package rtkv.relay;

import java.time.Clock;
import rtkv.config.ConfigException;

/**
 * Runs one relay process of a shard until it is stopped (SIGTERM): active while it holds the shard's
 * lease, a standby otherwise ({@link FailoverRelay}). Failures are retried inside the process.
 */
public final class RelayMain {

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
        FailoverRelay relay = new FailoverRelay(config, Clock.systemUTC());
        HealthEndpoint health = new HealthEndpoint(config.host(), config.port(), relay::isAlive, relay::isReady,
                relay::role);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            relay.close();
            health.close();
        }, "relay-shutdown"));
        health.start();
        relay.start();
        relay.ended().join();
    }
}
