package rtkv.api;

import java.util.List;
import java.util.Map;
import rtkv.config.Settings;

/**
 * api-service's settings, read once from the environment at start-up.
 *
 * @param host           RTKV_API_HOST, default 127.0.0.1
 * @param port           RTKV_API_PORT, default 8080 (0 picks a free port)
 * @param shardUrls      RTKV_SHARDS, required: JDBC URLs of the shards, comma-separated; the position
 *                       in the list is the shard's number, so the list is only ever appended to
 * @param dbUser         RTKV_DB_USER, default rtkv: needs SELECT, INSERT, UPDATE, DELETE on the database
 * @param dbPassword     RTKV_DB_PASSWORD, default empty
 * @param poolSize       RTKV_DB_POOL_SIZE, default 16: connections per shard
 * @param maxTableName   RTKV_MAX_TABLE_NAME, default 128 characters of [A-Za-z0-9_.-]
 * @param maxKeyBytes    RTKV_MAX_KEY_BYTES, default 512 bytes of UTF-8 (the column holds at most 512)
 * @param maxValueBytes  RTKV_MAX_VALUE_BYTES, default 65536: the largest request body. At most 900 KiB:
 *                       a change event carries the value and must fit Kafka's 1 MiB message limit, or
 *                       the relay could never publish it
 */
record ApiConfig(String host, int port, List<String> shardUrls, String dbUser, String dbPassword, int poolSize,
                        int maxTableName, int maxKeyBytes, int maxValueBytes) {

    /** The largest value whose change event still fits Kafka's default 1 MiB message, with key and fields. */
    static final int MAX_VALUE_BYTES = 900 * 1024;

    public static ApiConfig from(Map<String, String> env) {
        Settings s = new Settings("api-service", env);
        ApiConfig config = new ApiConfig(
                s.text("RTKV_API_HOST", "127.0.0.1"),
                s.port("RTKV_API_PORT", 8080),
                s.list("RTKV_SHARDS"),
                s.text("RTKV_DB_USER", "rtkv"),
                s.text("RTKV_DB_PASSWORD", ""),
                s.integer("RTKV_DB_POOL_SIZE", 16, 1, 1_000),
                s.integer("RTKV_MAX_TABLE_NAME", 128, 1, 128),
                s.integer("RTKV_MAX_KEY_BYTES", 512, 1, 512),
                s.integer("RTKV_MAX_VALUE_BYTES", 65_536, 16, MAX_VALUE_BYTES));
        for (String url : config.shardUrls) {
            if (!url.startsWith("jdbc:")) {
                s.problem("RTKV_SHARDS must list JDBC URLs, got \"" + url + "\"");
            }
        }
        s.validate();
        return config;
    }

    @Override
    public String toString() {
        return "ApiConfig[" + host + ":" + port + ", shards=" + shardUrls + ", user=" + dbUser + ", pool=" + poolSize + "]";
    }
}
