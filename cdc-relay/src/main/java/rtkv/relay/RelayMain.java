package rtkv.relay;

import java.time.Clock;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import rtkv.config.ConfigException;

/** Runs one relay until it is stopped (SIGTERM) or fails; a failure exits non-zero so a supervisor restarts it. */
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
        Relay relay = new Relay(config, Clock.systemUTC());
        HealthEndpoint health = new HealthEndpoint(config.host(), config.port(),
                () -> !relay.stopped().isCompletedExceptionally(), relay::isReady);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            relay.close();
            health.close();
        }, "relay-shutdown"));
        health.start();
        try {
            relay.start();
            relay.stopped().get();
        } catch (ExecutionException e) {
            LOG.error("cdc-relay shard {} failed; exiting so that it is restarted", config.shardId(), e.getCause());
            System.exit(1);
        } catch (RuntimeException e) {
            LOG.error("cdc-relay shard {} could not start; exiting so that it is restarted", config.shardId(), e);
            System.exit(1);
        }
    }
}
