package rtkv.fanout;

import java.util.Map;
import rtkv.config.Settings;

/**
 * A fanout node's settings, read once from the environment at start-up.
 *
 * @param host            RTKV_FANOUT_HOST, default 127.0.0.1
 * @param port            RTKV_FANOUT_PORT, default 8081 (0 picks a free port)
 * @param kafkaBootstrap  RTKV_KAFKA_BOOTSTRAP, default 127.0.0.1:9092
 * @param topic           RTKV_TOPIC, default rtkv.changes
 * @param maxTableName    RTKV_MAX_TABLE_NAME, default 128
 * @param maxPendingFrames RTKV_FANOUT_MAX_PENDING_FRAMES, default 1024: frames queued to one subscriber
 *                        and not yet written; one that falls further behind is disconnected so it
 *                        cannot hold memory or delay anyone else
 * @param pingSeconds     RTKV_FANOUT_PING_SECONDS, default 20: WebSocket pings keep quiet connections
 *                        open through proxies and below the idle timeout
 * @param idleSeconds     RTKV_FANOUT_IDLE_SECONDS, default 60: a connection with no traffic at all
 *                        (not even pongs) for this long is closed
 */
record FanoutConfig(String host, int port, String kafkaBootstrap, String topic, int maxTableName,
                           int maxPendingFrames, int pingSeconds, int idleSeconds) {

    public static FanoutConfig from(Map<String, String> env) {
        Settings s = new Settings("fanout-nodes", env);
        FanoutConfig config = new FanoutConfig(
                s.text("RTKV_FANOUT_HOST", "127.0.0.1"),
                s.port("RTKV_FANOUT_PORT", 8081),
                s.text("RTKV_KAFKA_BOOTSTRAP", "127.0.0.1:9092"),
                s.text("RTKV_TOPIC", "rtkv.changes"),
                s.integer("RTKV_MAX_TABLE_NAME", 128, 1, 128),
                s.integer("RTKV_FANOUT_MAX_PENDING_FRAMES", 1024, 1, 1_000_000),
                s.integer("RTKV_FANOUT_PING_SECONDS", 20, 1, 3_600),
                s.integer("RTKV_FANOUT_IDLE_SECONDS", 60, 2, 86_400));
        if (config.pingSeconds >= config.idleSeconds) {
            s.problem("RTKV_FANOUT_PING_SECONDS must be shorter than RTKV_FANOUT_IDLE_SECONDS");
        }
        s.validate();
        return config;
    }
}
