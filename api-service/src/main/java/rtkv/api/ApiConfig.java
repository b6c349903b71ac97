package rtkv.api;

import java.util.List;
import java.util.Map;
import rtkv.api.store.StoreConfig;
import rtkv.auth.ApiKeys;
import rtkv.config.RtkvSettings;
import rtkv.config.Service;
import rtkv.config.Settings;
import rtkv.edge.EdgeConfig;
import rtkv.link.DatabaseTls;
import rtkv.pages.Pages;
import rtkv.schema.ShardMap;

/**
 * api-service's settings, read once from the environment at start-up.
 *
 * @param host              RTKV_API_HOST, default 127.0.0.1
 * @param port              RTKV_API_PORT, default 8080 (0 picks a free port)
 * @param shardUrls         RTKV_SHARDS, required: JDBC URLs of the shards, comma-separated; the position
 *                          in the list is the shard's number, so the list is only ever appended to
 * @param shardMap          RTKV_SHARD_MAP, default an even split: which shard holds each of the 4096
 *                          buckets, as FIRST-LAST:SHARD runs, e.g. 0-2047:0,2048-4095:1
 * @param dbUser            RTKV_DB_USER, default rtkv: needs SELECT, INSERT, UPDATE, DELETE on the database
 * @param dbPassword        RTKV_DB_PASSWORD, default empty
 * @param dbTls             RTKV_DB_TLS_MODE and RTKV_DB_TLS_CA_FILE: TLS on every connection to the shards
 * @param poolSize          RTKV_DB_POOL_SIZE, default 16: connections per shard
 * @param queuePerShard     RTKV_DB_QUEUE, default 64: requests that may wait for a connection of one
 *                          shard; past that a request is refused with 429 rather than piling up
 * @param maxTableName      RTKV_MAX_TABLE_NAME, default 128 characters of [A-Za-z0-9_.-]
 * @param maxKeyBytes       RTKV_MAX_KEY_BYTES, default 512 bytes of UTF-8 (the column holds at most 512)
 * @param maxValueBytes     RTKV_MAX_VALUE_BYTES, default 65536: the largest value, and request body of a
 *                          put. At most 900 KiB: a change event carries the value and must fit Kafka's
 *                          1 MiB message, or the relay could never publish it
 * @param maxBatchOps       RTKV_MAX_BATCH_OPS, default 500: operations in one batch
 * @param maxBatchBytes     RTKV_MAX_BATCH_BYTES, default 4194304: the largest batch request body
 * @param maxTtlSeconds     RTKV_MAX_TTL_SECONDS, default 315360000 (ten years)
 * @param sweepMillis       RTKV_SWEEP_INTERVAL_MS, default 250: how often each shard is swept for expired
 *                          keys and old tombstones when the last sweep found little; 0 turns the sweeper off
 * @param sweepBatch        RTKV_SWEEP_BATCH, default 500: rows one sweep transaction changes at most
 * @param tombstoneSeconds  RTKV_TOMBSTONE_RETENTION_SECONDS, default 86400: how long a deleted or expired
 *                          key's row (and so its version) is kept; far longer than any relay lag
 * @param idempotencySeconds RTKV_IDEMPOTENCY_RETENTION_SECONDS, default 86400, at least 60: how long the answer
 *                          to a write sent with an Idempotency-Key is kept, so a retry within it is answered
 *                          again rather than applied twice
 * @param adminKey          RTKV_ADMIN_KEY, required, at least 32 printable characters: the key that may do
 *                          anything, including managing the other keys at /v1/admin/keys. Never logged
 * @param keyRateLimit      RTKV_KEY_RATE_LIMIT, default 1000: requests per second one key may make to this
 *                          instance, unless the key was created with its own rateLimit; past it 429 with
 *                          Retry-After. The admin key is not limited
 * @param keyCacheMillis    RTKV_KEY_CACHE_MS, default 1000: how long a key looked up in rtkv.keys is
 *                          trusted before it is read again, so a revocation or expiry takes effect on every
 *                          instance within this long (at once on the instance that revoked it)
 * @param pagesFanoutUrl    RTKV_PAGES_FANOUT_URL, default http://127.0.0.1:8081: the fanout node (or its load
 *                          balancer) the browser pages at / and /articles/ subscribe through, as a browser
 *                          reaches it; off serves no pages
 * @param allowedOrigins    RTKV_API_ALLOWED_ORIGINS, default none: the origins (https://app.example.com, or * for
 *                          any) of browser pages on other sites that may call the API (CORS). Keys travel as
 *                          bearer tokens, never cookies, so * lets a page use a key it was given, nothing more
 * @param edge              TLS and the connection limits, see {@link EdgeConfig}; at most 256 connections per
 *                          client address by default
 */
record ApiConfig(String host, int port, List<String> shardUrls, ShardMap shardMap, String dbUser, String dbPassword,
                 DatabaseTls dbTls, int poolSize, int queuePerShard, int maxTableName, int maxKeyBytes, int maxValueBytes, int maxBatchOps,
                 int maxBatchBytes, int maxTtlSeconds, int sweepMillis, int sweepBatch, int tombstoneSeconds, int idempotencySeconds,
                 String adminKey, int keyRateLimit, int keyCacheMillis, String pagesFanoutUrl, List<String> allowedOrigins,
                 EdgeConfig edge) {

    /** The largest value whose change event still fits Kafka's default 1 MiB message, with key and fields. */
    static final int MAX_VALUE_BYTES = 900 * 1024;
    static final int DEFAULT_LIST_LIMIT = 100;
    static final int MAX_LIST_LIMIT = 1000;

    static ApiConfig from(Map<String, String> env) {
        Settings s = new Settings(Service.API_SERVICE, env);
        List<String> shardUrls = s.get(RtkvSettings.SHARDS);
        for (String url : shardUrls) {
            if (!url.startsWith("jdbc:")) {
                s.problem("RTKV_SHARDS must list JDBC URLs, got \"" + url + "\"");
            }
        }
        ShardMap shardMap = shardUrls.isEmpty() ? null : s.shardMap(shardUrls.size());
        ApiConfig config = new ApiConfig(
                s.get(RtkvSettings.API_HOST),
                s.get(RtkvSettings.API_PORT),
                shardUrls,
                shardMap,
                s.get(RtkvSettings.DB_USER),
                s.get(RtkvSettings.DB_PASSWORD),
                DatabaseTls.from(s, shardUrls),
                s.get(RtkvSettings.DB_POOL_SIZE),
                s.get(RtkvSettings.DB_QUEUE),
                s.get(RtkvSettings.MAX_TABLE_NAME),
                s.get(RtkvSettings.MAX_KEY_BYTES),
                s.get(RtkvSettings.MAX_VALUE_BYTES),
                s.get(RtkvSettings.MAX_BATCH_OPS),
                s.get(RtkvSettings.MAX_BATCH_BYTES),
                s.get(RtkvSettings.MAX_TTL_SECONDS),
                s.get(RtkvSettings.SWEEP_INTERVAL_MS),
                s.get(RtkvSettings.SWEEP_BATCH),
                s.get(RtkvSettings.TOMBSTONE_RETENTION_SECONDS),
                s.get(RtkvSettings.IDEMPOTENCY_RETENTION_SECONDS),
                s.get(RtkvSettings.ADMIN_KEY),
                s.get(RtkvSettings.KEY_RATE_LIMIT),
                s.get(RtkvSettings.KEY_CACHE_MS),
                s.get(RtkvSettings.PAGES_FANOUT_URL).replaceFirst("^off$", ""),
                allowedOrigins(s),
                EdgeConfig.from(s));
        ApiKeys.adminKeyProblem(config.adminKey()).ifPresent(s::problem);
        if (!config.pagesFanoutUrl().isEmpty() && !Pages.isFanoutUrl(config.pagesFanoutUrl())) {
            s.problem("RTKV_PAGES_FANOUT_URL must be an http:// or https:// address such as http://127.0.0.1:8081, or off,"
                    + " got \"" + config.pagesFanoutUrl() + "\"");
        }
        s.validate();
        return config;
    }

    private static List<String> allowedOrigins(Settings s) {
        List<String> origins = s.get(RtkvSettings.API_ALLOWED_ORIGINS);
        for (String origin : origins) {
            if (!origin.equals("*") && !isOrigin(origin)) {
                s.problem("RTKV_API_ALLOWED_ORIGINS lists origins such as https://app.example.com (a scheme and a host,"
                        + " with a port if not the default; no path), or *; not \"" + origin + "\"");
            }
        }
        if (origins.contains("*") && origins.size() > 1) {
            s.problem("RTKV_API_ALLOWED_ORIGINS is * alone, or a list of origins; not both: " + String.join(",", origins));
        }
        return origins;
    }

    /** scheme://host[:port], as a browser sends it in Origin: nothing after, a port that is a number. */
    private static boolean isOrigin(String origin) {
        if (!origin.matches("https?://[^/?#\\s*@]+")) {
            return false;
        }
        try {
            java.net.URI uri = new java.net.URI(origin);
            return uri.getHost() != null && uri.getRawPath().isEmpty() && (uri.getPort() == -1 || uri.getPort() > 0)
                    && !origin.endsWith(":");
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }

    /** What the store takes of this configuration. */
    StoreConfig store() {
        return new StoreConfig(shardUrls, shardMap, dbUser, dbPassword, dbTls, poolSize, queuePerShard, sweepMillis,
                sweepBatch, tombstoneSeconds, idempotencySeconds);
    }

    @Override
    public String toString() {
        return "ApiConfig[" + host + ":" + port + ", shards=" + shardUrls + ", user=" + dbUser + ", db tls=" + dbTls.mode() + ", pool=" + poolSize
                + ", keyRateLimit=" + keyRateLimit + ", pages=" + (pagesFanoutUrl.isEmpty() ? "off" : pagesFanoutUrl)
                + ", allowedOrigins=" + allowedOrigins
                + ", " + edge + "]";
    }
}
