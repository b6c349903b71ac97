package rtkv.fanout;

import java.time.Clock;
import java.util.concurrent.ExecutionException;
import rtkv.config.ConfigException;

/** Runs a fanout node until SIGTERM. */
public final class FanoutMain {

    private FanoutMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        FanoutConfig config;
        try {
            config = FanoutConfig.from(System.getenv());
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        FanoutServer server = new FanoutServer(config, Clock.systemUTC());
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "fanout-shutdown"));
        try {
            server.start();
            server.feedEnded().get();
        } catch (ExecutionException e) {
            // Already logged by the feed: exit so that a supervisor starts a working node.
            System.exit(1);
        } catch (RuntimeException e) {
            System.err.println("fanout node could not start: " + e);
            System.exit(1);
        }
    }
}
