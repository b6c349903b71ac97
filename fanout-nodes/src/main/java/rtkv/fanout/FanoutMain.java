package rtkv.fanout;

import rtkv.config.ConfigException;

/** Runs a fanout node until SIGTERM. */
public final class FanoutMain {

    private FanoutMain() {
    }

    public static void main(String[] args) {
        FanoutConfig config;
        try {
            config = FanoutConfig.from(System.getenv());
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        FanoutServer server = new FanoutServer(config).start();
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "fanout-shutdown"));
    }
}
