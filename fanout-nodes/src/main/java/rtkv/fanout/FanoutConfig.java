package rtkv.fanout;

import java.util.List;
import java.util.Map;
import rtkv.auth.ApiKeys;
import rtkv.config.RtkvSettings;
import rtkv.config.Service;
import rtkv.config.Settings;
import rtkv.edge.EdgeConfig;
import rtkv.link.DatabaseTls;
import rtkv.link.KafkaLink;
import rtkv.schema.ShardMap;
import rtkv.schema.SubscriberCaps;

/**
 * A fanout node's settings, read once from the environment at start-up.
 *
 * @param host                RTKV_FANOUT_HOST, default 127.0.0.1
 * @param port                RTKV_FANOUT_PORT, default 8081 (0 picks a free port)
 * @param kafka               RTKV_KAFKA_BOOTSTRAP (default 127.0.0.1:9092) and the RTKV_KAFKA_ security settings,
 *                            shared by every Kafka client of the node
 * @param topic               RTKV_TOPIC, default rtkv.changes
 * @param shardUrls           RTKV_SHARDS, required: the shards' JDBC URLs in shard order, for snapshots
 * @param shardMap            RTKV_SHARD_MAP, default an even split, as for api-service
 * @param dbUser              RTKV_DB_USER, default reader: needs only SELECT on the rtkv database
 * @param dbPassword          RTKV_DB_PASSWORD, default empty
 * @param dbTls               RTKV_DB_TLS_MODE and RTKV_DB_TLS_CA_FILE: TLS on the snapshot reads
 * @param maxTableName        RTKV_MAX_TABLE_NAME, default 128
 * @param maxSubscribers      RTKV_MAX_SUBSCRIBERS, default 100: subscribers of one table on this node,
 *                            unless a cap below or key TABLE (or PREFIX*) of table rtkv.settings says
 *                            {"maxSubscribers": N}
 * @param capPatterns         RTKV_MAX_SUBSCRIBERS_BY_PATTERN, default none: caps by table name or by pattern,
 *                            as NAME=N pairs separated by commas (article.*=20000,chat.*=500); the most
 *                            specific applies, and rtkv.settings overrides the same name at run time
 * @param maxPendingBytes     RTKV_FANOUT_MAX_PENDING_BYTES, default 1048576: bytes queued to one
 *                            subscriber and not yet written; one that falls further behind is sent
 *                            resync and closed. It bounds the memory a connection holds
 * @param snapshotChunk       RTKV_FANOUT_SNAPSHOT_CHUNK, default 500: keys per snapshot frame
 * @param presenceMillis      RTKV_FANOUT_PRESENCE_MILLIS, default 1000: the least time between two presence
 *                            frames (the table's number of subscribers here) to the subscribers of a table
 * @param heartbeatSeconds    RTKV_FANOUT_HEARTBEAT_SECONDS, default 10: a heartbeat frame to every subscriber
 * @param clientTimeoutSeconds RTKV_FANOUT_CLIENT_TIMEOUT_SECONDS, default 30: a subscriber that sent no
 *                            frame (its heartbeats) for this long is closed, so half-open sockets go
 * @param adminKey            RTKV_ADMIN_KEY, required: the same admin key as api-service's; it may subscribe to
 *                            any table, rtkv.settings included. Never logged
 * @param edge                TLS and the connection limits, see {@link EdgeConfig}; at most 1000 connections
 *                            per client address by default
 * @param group               RTKV_FANOUT_GROUP, default rtkv-fanout: the Kafka consumer group the fanout nodes
 *                            share the topic's partitions through; each node reads only the partitions it owns
 * @param advertisedUrl       RTKV_FANOUT_ADVERTISED_URL, default ws://HOST:PORT (wss:// with TLS, the bound port
 *                            when PORT is 0): where other nodes send the subscribers of this node's partitions
 * @param sessionTimeoutMillis RTKV_FANOUT_SESSION_TIMEOUT_MS, default 10000: a node silent this long to the
 *                            group (crashed, cut off) loses its partitions to the others
 * @param maxSubscriptionsPerConnection RTKV_FANOUT_MAX_SUBSCRIPTIONS_PER_CONNECTION, default 1000: subscriptions
 *                            one connection to /v1/stream may hold at once; one more is refused alone
 * @param tombstoneSeconds    RTKV_TOMBSTONE_RETENTION_SECONDS, default 86400, as api-service's: a resume token
 *                            whose next change is older than this gets resync and a snapshot, since a key
 *                            deleted after it may have been removed for good meanwhile
 */
record FanoutConfig(String host, int port, KafkaLink kafka, String topic, List<String> shardUrls, ShardMap shardMap,
                    String dbUser, String dbPassword, DatabaseTls dbTls, int maxTableName, int maxSubscribers, Map<String, Integer> capPatterns,
                    int maxPendingBytes,
                    int snapshotChunk, int presenceMillis, int heartbeatSeconds, int clientTimeoutSeconds, String adminKey, EdgeConfig edge,
                    String group, String advertisedUrl, int sessionTimeoutMillis, int maxSubscriptionsPerConnection,
                    int tombstoneSeconds) {

    /** A client frame is a heartbeat: anything bigger is refused by the WebSocket layer. */
    static final int MAX_CLIENT_FRAME_BYTES = 4_096;
    /** The bounds of a subscription's {@code ?conflate=MS}. */
    static final int MIN_CONFLATE_MILLIS = 50;
    static final int MAX_CONFLATE_MILLIS = 60_000;
    /** The longest {@code ?only=KEY} or {@code ?prefix=P}: the kv table's key column holds 512 bytes. */
    static final int MAX_SCOPE_KEY_BYTES = 512;

    private static final java.util.Set<String> WILDCARD_HOSTS = java.util.Set.of("0.0.0.0", "::", "[::]", "");

    /** Where other nodes send subscribers of this node's partitions, once the port is bound. */
    String advertisedUrl(int boundPort) {
        if (!advertisedUrl.isEmpty()) {
            return advertisedUrl;
        }
        String address = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        return (edge.tls() ? "wss://" : "ws://") + address + ":" + boundPort;
    }

    static FanoutConfig from(Map<String, String> env) {
        Settings s = new Settings(Service.FANOUT_NODES, env);
        List<String> shardUrls = s.get(RtkvSettings.SHARDS);
        ShardMap shardMap = shardUrls.isEmpty() ? null : s.shardMap(shardUrls.size());
        int maxTableName = s.get(RtkvSettings.MAX_TABLE_NAME);
        FanoutConfig config = new FanoutConfig(
                s.get(RtkvSettings.FANOUT_HOST),
                s.get(RtkvSettings.FANOUT_PORT),
                KafkaLink.from(s),
                s.get(RtkvSettings.TOPIC),
                shardUrls,
                shardMap,
                s.get(RtkvSettings.DB_USER),
                s.get(RtkvSettings.DB_PASSWORD),
                DatabaseTls.from(s, shardUrls),
                maxTableName,
                s.get(RtkvSettings.MAX_SUBSCRIBERS),
                capPatterns(s, maxTableName),
                s.get(RtkvSettings.FANOUT_MAX_PENDING_BYTES),
                s.get(RtkvSettings.FANOUT_SNAPSHOT_CHUNK),
                s.get(RtkvSettings.FANOUT_PRESENCE_MILLIS),
                s.get(RtkvSettings.FANOUT_HEARTBEAT_SECONDS),
                s.get(RtkvSettings.FANOUT_CLIENT_TIMEOUT_SECONDS),
                s.get(RtkvSettings.ADMIN_KEY),
                EdgeConfig.from(s),
                s.get(RtkvSettings.FANOUT_GROUP),
                s.get(RtkvSettings.FANOUT_ADVERTISED_URL),
                // The broker's group.min.session.timeout.ms is 6 s by default.
                s.get(RtkvSettings.FANOUT_SESSION_TIMEOUT_MS),
                s.get(RtkvSettings.FANOUT_MAX_SUBSCRIPTIONS_PER_CONNECTION),
                s.get(RtkvSettings.TOMBSTONE_RETENTION_SECONDS));
        if (!config.advertisedUrl.isEmpty() && !config.advertisedUrl.matches("wss?://[^/?#\\s]+")) {
            s.problem("RTKV_FANOUT_ADVERTISED_URL must be ws://HOST:PORT or wss://HOST:PORT, without a path, not "
                    + config.advertisedUrl);
        }
        if (config.advertisedUrl.isEmpty() && WILDCARD_HOSTS.contains(config.host)) {
            s.problem("RTKV_FANOUT_HOST " + config.host + " listens on every address, so the other nodes cannot"
                    + " tell subscribers where this one is: set RTKV_FANOUT_ADVERTISED_URL (ws://ADDRESS:PORT)");
        }
        ApiKeys.adminKeyProblem(config.adminKey).ifPresent(s::problem);
        if (config.heartbeatSeconds >= config.clientTimeoutSeconds) {
            s.problem("RTKV_FANOUT_HEARTBEAT_SECONDS must be shorter than RTKV_FANOUT_CLIENT_TIMEOUT_SECONDS");
        }
        s.validate();
        return config;
    }

    /** RTKV_MAX_SUBSCRIBERS_BY_PATTERN: NAME=N pairs, each name a table or a pattern, each N a cap. */
    private static Map<String, Integer> capPatterns(Settings s, int maxTableName) {
        String value = s.get(RtkvSettings.MAX_SUBSCRIBERS_BY_PATTERN);
        Map<String, Integer> caps = new java.util.LinkedHashMap<>();
        for (String pair : value.isEmpty() ? new String[0] : value.split(",", -1)) {
            String[] parts = pair.strip().split("=", -1);
            String name = parts[0].strip();
            java.util.Optional<String> problem = parts.length != 2 ? java.util.Optional.of("it is not NAME=N")
                    : SubscriberCaps.nameProblem(name, maxTableName);
            if (problem.isEmpty() && !parts[1].strip().matches("\\d{1,9}")) {
                problem = java.util.Optional.of(parts[1].strip() + " is not a whole number from 0 to " + SubscriberCaps.MAX_CAP);
            }
            if (problem.isEmpty() && caps.containsKey(name)) {
                problem = java.util.Optional.of(name + " is given twice");
            }
            if (problem.isPresent()) {
                s.problem("RTKV_MAX_SUBSCRIBERS_BY_PATTERN: \"" + pair.strip() + "\": " + problem.get()
                        + " (say article.*=20000,chat.*=500)");
            } else {
                caps.put(name, Integer.parseInt(parts[1].strip()));
            }
        }
        return Map.copyOf(caps);
    }

    @Override
    public String toString() {
        return "FanoutConfig[" + host + ":" + port + ", kafka=" + kafka + ", topic=" + topic + ", group=" + group
                + ", advertised=" + (advertisedUrl.isEmpty() ? "(from the bound port)" : advertisedUrl) + ", shards="
                + shardUrls + ", user=" + dbUser + ", db tls=" + dbTls.mode() + ", " + edge + "]";
    }
}
