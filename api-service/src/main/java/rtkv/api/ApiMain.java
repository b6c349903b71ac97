package rtkv.api;

import java.time.Clock;
import rtkv.config.ConfigException;

/** Runs api-service until SIGTERM. */
public final class ApiMain {

    private ApiMain() {
    }

    public static void main(String[] args) {
        ApiConfig config;
        try {
            config = ApiConfig.from(System.getenv());
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        ApiServer server = new ApiServer(config, Clock.systemUTC());
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "api-shutdown"));
        try {
            server.start();
        } catch (RuntimeException e) {
            System.err.println("api-service could not start: " + e);
            System.exit(1);
        }
    }
}
