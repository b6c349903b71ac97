package rtkv.config;

import static rtkv.config.Service.API_SERVICE;
import static rtkv.config.Service.CDC_RELAY;
import static rtkv.config.Service.FANOUT_NODES;
import static rtkv.config.Service.LOCAL_CLUSTER;
import static rtkv.config.Service.SCHEMA_JOB;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Every environment variable rtkv reads, each declared once: type and range, default, the services
 * that read it, and what it does. The services' configurations read their values through these; the
 * README's configuration table and the chart's values.schema.json are checked against this list by tests.
 */
public final class RtkvSettings {

    // Shared by several services.
    public static final Setting<List<String>> SHARDS = Setting.requiredList("RTKV_SHARDS",
            "JDBC URLs of the shards, in shard order; only ever append", API_SERVICE, FANOUT_NODES, SCHEMA_JOB);
    public static final Setting<String> SHARD_MAP = Setting.text("RTKV_SHARD_MAP", null,
            "which shard holds each of the 4096 buckets, as FIRST-LAST:SHARD runs; unset: an even split",
            API_SERVICE, FANOUT_NODES);
    public static final Setting<String> DB_USER = Setting.text("RTKV_DB_USER", "rtkv",
            "the shards' user: api-service's writes, a fanout node's snapshot reads, the schema Job's DDL",
            API_SERVICE, FANOUT_NODES, SCHEMA_JOB).defaultFor(FANOUT_NODES, "reader").defaultFor(SCHEMA_JOB, null);
    public static final Setting<String> DB_PASSWORD = Setting.text("RTKV_DB_PASSWORD", "", "that user's password",
            API_SERVICE, FANOUT_NODES, SCHEMA_JOB);
    public static final Setting<String> ADMIN_KEY = Setting.text("RTKV_ADMIN_KEY", null,
            "the admin API key, at least 32 printable ASCII characters; the same for every service of a cluster",
            API_SERVICE, FANOUT_NODES);
    public static final Setting<Integer> MAX_TABLE_NAME = Setting.integer("RTKV_MAX_TABLE_NAME", 128, 1, 128,
            "the longest table name", API_SERVICE, FANOUT_NODES);
    public static final Setting<Integer> TOMBSTONE_RETENTION_SECONDS = Setting.integer("RTKV_TOMBSTONE_RETENTION_SECONDS",
            86_400, 1, Integer.MAX_VALUE, "how long a deleted key's row is kept; a resume from before it gets resync",
            API_SERVICE, FANOUT_NODES);
    public static final Setting<String> KAFKA_BOOTSTRAP = Setting.text("RTKV_KAFKA_BOOTSTRAP", "127.0.0.1:9092",
            "Kafka's bootstrap servers", FANOUT_NODES, CDC_RELAY);
    public static final Setting<String> KAFKA_SECURITY_PROTOCOL = Setting.choice("RTKV_KAFKA_SECURITY_PROTOCOL",
            "PLAINTEXT", List.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"),
            "how every Kafka client of the service connects: TLS (SSL), SASL, both, or neither", FANOUT_NODES, CDC_RELAY);
    public static final Setting<String> KAFKA_SASL_MECHANISM = Setting.choice("RTKV_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512",
            List.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"), "the SASL mechanism, with a SASL_ protocol",
            FANOUT_NODES, CDC_RELAY);
    public static final Setting<String> KAFKA_SASL_USERNAME = Setting.text("RTKV_KAFKA_SASL_USERNAME", null,
            "the SASL user, required with a SASL_ protocol", FANOUT_NODES, CDC_RELAY);
    public static final Setting<String> KAFKA_SASL_PASSWORD = Setting.text("RTKV_KAFKA_SASL_PASSWORD", null,
            "its password, required with a SASL_ protocol", FANOUT_NODES, CDC_RELAY);
    public static final Setting<Path> KAFKA_TLS_CA_FILE = Setting.path("RTKV_KAFKA_TLS_CA_FILE", null,
            "PEM certificates of the CAs the brokers' certificates are checked against; unset: the JVM's",
            FANOUT_NODES, CDC_RELAY);
    public static final Setting<Path> KAFKA_TLS_CERT_FILE = Setting.path("RTKV_KAFKA_TLS_CERT_FILE", null,
            "mutual TLS: the client's PEM certificate chain, with RTKV_KAFKA_TLS_KEY_FILE", FANOUT_NODES, CDC_RELAY);
    public static final Setting<Path> KAFKA_TLS_KEY_FILE = Setting.path("RTKV_KAFKA_TLS_KEY_FILE", null,
            "mutual TLS: its unencrypted PKCS#8 PEM private key", FANOUT_NODES, CDC_RELAY);
    public static final Setting<String> DB_TLS_MODE = Setting.choice("RTKV_DB_TLS_MODE", "disable",
            List.of("disable", "trust", "verify-ca", "verify-full"),
            "TLS to the shards: off, encrypted only, or also checking the CA, or the CA and the host name",
            API_SERVICE, FANOUT_NODES, SCHEMA_JOB, CDC_RELAY);
    public static final Setting<Path> DB_TLS_CA_FILE = Setting.path("RTKV_DB_TLS_CA_FILE", null,
            "PEM certificates of the CAs the shards' certificates are checked against; unset: the JVM's",
            API_SERVICE, FANOUT_NODES, SCHEMA_JOB, CDC_RELAY);
    public static final Setting<String> TOPIC = Setting.text("RTKV_TOPIC", "rtkv.changes", "the change topic",
            FANOUT_NODES, CDC_RELAY);
    public static final Setting<Integer> TOPIC_PARTITIONS = Setting.integer("RTKV_TOPIC_PARTITIONS", 8, 1, 10_000,
            "the change topic's partitions when the relays create it", CDC_RELAY, LOCAL_CLUSTER);
    public static final Setting<String> LOG_FORMAT = Setting.text("RTKV_LOG_FORMAT", "json",
            "json (one object per line) or text; read by logback.xml", API_SERVICE, FANOUT_NODES, CDC_RELAY);
    public static final Setting<String> LOG_LEVEL = Setting.text("RTKV_LOG_LEVEL", "INFO",
            "the level of rtkv's own loggers; read by logback.xml", API_SERVICE, FANOUT_NODES, CDC_RELAY);

    // The edge of the two services clients reach (rtkv.edge.EdgeConfig).
    public static final Setting<Path> TLS_KEYSTORE = Setting.path("RTKV_TLS_KEYSTORE", null,
            "serve TLS only, with the key and certificate in this keystore", API_SERVICE, FANOUT_NODES);
    public static final Setting<String> TLS_KEYSTORE_PASSWORD = Setting.text("RTKV_TLS_KEYSTORE_PASSWORD", null,
            "the keystore's password", API_SERVICE, FANOUT_NODES);
    public static final Setting<String> TLS_KEYSTORE_TYPE = Setting.text("RTKV_TLS_KEYSTORE_TYPE", "PKCS12",
            "PKCS12 or JKS", API_SERVICE, FANOUT_NODES);
    public static final Setting<Integer> MAX_CONNECTIONS_PER_ADDRESS = Setting.integer("RTKV_MAX_CONNECTIONS_PER_ADDRESS",
            256, 1, 10_000_000, "open connections from one client address", API_SERVICE, FANOUT_NODES)
            .defaultFor(FANOUT_NODES, 1_000);
    public static final Setting<Integer> HANDSHAKE_TIMEOUT_SECONDS = Setting.integer("RTKV_HANDSHAKE_TIMEOUT_SECONDS", 10,
            1, 3_600, "a connection without its first request by then is closed", API_SERVICE, FANOUT_NODES);
    public static final Setting<Integer> AUTH_FAILURES_PER_ADDRESS = Setting.integer("RTKV_AUTH_FAILURES_PER_ADDRESS", 10,
            1, 10_000_000, "refused keys per second from one client address before it waits", API_SERVICE, FANOUT_NODES);
    public static final Setting<List<String>> TRUSTED_PROXIES = Setting.list("RTKV_TRUSTED_PROXIES",
            "addresses, CIDR blocks or ranges of the proxies whose Forwarded or X-Forwarded-For is believed",
            API_SERVICE, FANOUT_NODES);
    public static final Setting<String> FORWARDED_HEADER = Setting.choice("RTKV_FORWARDED_HEADER", "X-Forwarded-For",
            List.of("X-Forwarded-For", "Forwarded"), "the header the trusted proxies write; the other is never read",
            API_SERVICE, FANOUT_NODES);

    // api-service.
    public static final Setting<String> API_HOST = Setting.text("RTKV_API_HOST", "127.0.0.1", "the address to listen on",
            API_SERVICE);
    public static final Setting<Integer> API_PORT = Setting.port("RTKV_API_PORT", 8080, "the port to listen on",
            API_SERVICE, LOCAL_CLUSTER);
    public static final Setting<Integer> DB_POOL_SIZE = Setting.integer("RTKV_DB_POOL_SIZE", 16, 1, 1_000,
            "connections per shard", API_SERVICE);
    public static final Setting<Integer> DB_QUEUE = Setting.integer("RTKV_DB_QUEUE", 64, 0, 100_000,
            "requests that may wait for one shard's connections before 429", API_SERVICE);
    public static final Setting<Integer> MAX_KEY_BYTES = Setting.integer("RTKV_MAX_KEY_BYTES", 512, 1, 512,
            "the longest key, in UTF-8 bytes", API_SERVICE);
    public static final Setting<Integer> MAX_VALUE_BYTES = Setting.integer("RTKV_MAX_VALUE_BYTES", 65_536, 16, 900 * 1024,
            "the largest value; at most 900 KiB, so a change event fits Kafka's 1 MiB message", API_SERVICE);
    public static final Setting<Integer> MAX_BATCH_OPS = Setting.integer("RTKV_MAX_BATCH_OPS", 500, 1, 10_000,
            "operations in one batch", API_SERVICE);
    public static final Setting<Integer> MAX_BATCH_BYTES = Setting.integer("RTKV_MAX_BATCH_BYTES", 4 * 1024 * 1024, 1_024,
            64 * 1024 * 1024, "the largest batch body", API_SERVICE);
    public static final Setting<Integer> MAX_TTL_SECONDS = Setting.integer("RTKV_MAX_TTL_SECONDS", 315_360_000, 1,
            Integer.MAX_VALUE, "the longest time to live", API_SERVICE);
    public static final Setting<Integer> SWEEP_INTERVAL_MS = Setting.integer("RTKV_SWEEP_INTERVAL_MS", 250, 0, 3_600_000,
            "the expiry sweeper's pause when idle; 0 turns it off", API_SERVICE);
    public static final Setting<Integer> SWEEP_BATCH = Setting.integer("RTKV_SWEEP_BATCH", 500, 1, 10_000,
            "rows the sweeper removes per transaction", API_SERVICE);
    public static final Setting<Integer> IDEMPOTENCY_RETENTION_SECONDS = Setting.integer(
            "RTKV_IDEMPOTENCY_RETENTION_SECONDS", 86_400, 60, Integer.MAX_VALUE,
            "how long the answer to a write with an Idempotency-Key is kept", API_SERVICE);
    public static final Setting<Integer> KEY_RATE_LIMIT = Setting.integer("RTKV_KEY_RATE_LIMIT", 1_000, 1, 10_000_000,
            "requests per second per key per instance, unless the key has its own", API_SERVICE);
    public static final Setting<Integer> KEY_CACHE_MS = Setting.integer("RTKV_KEY_CACHE_MS", 1_000, 0, 60_000,
            "how long a key read from rtkv.keys is trusted", API_SERVICE);
    public static final Setting<String> PAGES_FANOUT_URL = Setting.text("RTKV_PAGES_FANOUT_URL", "http://127.0.0.1:8081",
            "the fanout nodes as a browser reaches them, for the pages; off serves none", API_SERVICE);
    public static final Setting<List<String>> API_ALLOWED_ORIGINS = Setting.list("RTKV_API_ALLOWED_ORIGINS",
            "origins whose pages may call the API (CORS), or *", API_SERVICE);

    // Fanout nodes.
    public static final Setting<String> FANOUT_HOST = Setting.text("RTKV_FANOUT_HOST", "127.0.0.1",
            "the address to listen on", FANOUT_NODES);
    public static final Setting<Integer> FANOUT_PORT = Setting.port("RTKV_FANOUT_PORT", 8081, "the port to listen on",
            FANOUT_NODES, LOCAL_CLUSTER);
    public static final Setting<Integer> MAX_SUBSCRIBERS = Setting.integer("RTKV_MAX_SUBSCRIBERS", 100, 0, 10_000_000,
            "subscribers of one table on one node", FANOUT_NODES);
    public static final Setting<String> MAX_SUBSCRIBERS_BY_PATTERN = Setting.text("RTKV_MAX_SUBSCRIBERS_BY_PATTERN", "",
            "caps by table name or pattern, NAME=N pairs separated by commas", FANOUT_NODES);
    public static final Setting<Integer> FANOUT_MAX_PENDING_BYTES = Setting.integer("RTKV_FANOUT_MAX_PENDING_BYTES",
            1 << 20, 1_024, 1 << 30, "bytes a subscriber may have waiting before it is resynced", FANOUT_NODES);
    public static final Setting<Integer> FANOUT_SNAPSHOT_CHUNK = Setting.integer("RTKV_FANOUT_SNAPSHOT_CHUNK", 500, 1,
            100_000, "entries per snapshot frame", FANOUT_NODES);
    public static final Setting<Integer> FANOUT_PRESENCE_MILLIS = Setting.integer("RTKV_FANOUT_PRESENCE_MILLIS", 1_000, 50,
            60_000, "the least time between two presence frames", FANOUT_NODES);
    public static final Setting<Integer> FANOUT_HEARTBEAT_SECONDS = Setting.integer("RTKV_FANOUT_HEARTBEAT_SECONDS", 10, 1,
            3_600, "heartbeat frames to a quiet subscriber", FANOUT_NODES);
    public static final Setting<Integer> FANOUT_CLIENT_TIMEOUT_SECONDS = Setting.integer(
            "RTKV_FANOUT_CLIENT_TIMEOUT_SECONDS", 30, 2, 86_400, "a client silent this long is closed", FANOUT_NODES);
    public static final Setting<String> FANOUT_GROUP = Setting.text("RTKV_FANOUT_GROUP", "rtkv-fanout",
            "the Kafka consumer group the nodes share the partitions through", FANOUT_NODES);
    public static final Setting<String> FANOUT_ADVERTISED_URL = Setting.text("RTKV_FANOUT_ADVERTISED_URL", "",
            "where other nodes send this node's subscribers (moved)", FANOUT_NODES);
    public static final Setting<Integer> FANOUT_SESSION_TIMEOUT_MS = Setting.integer("RTKV_FANOUT_SESSION_TIMEOUT_MS",
            10_000, 6_000, 300_000, "a node silent this long to the group loses its partitions", FANOUT_NODES);
    public static final Setting<Integer> FANOUT_MAX_SUBSCRIPTIONS_PER_CONNECTION = Setting.integer(
            "RTKV_FANOUT_MAX_SUBSCRIPTIONS_PER_CONNECTION", 1_000, 1, 100_000, "subscriptions on one /v1/stream connection",
            FANOUT_NODES);

    // cdc-relay.
    public static final Setting<Integer> SHARD_ID = Setting.requiredInteger("RTKV_SHARD_ID", 0, 4_095,
            "the shard the relay tails", CDC_RELAY);
    public static final Setting<String> DB_HOST = Setting.text("RTKV_DB_HOST", "127.0.0.1", "the shard's host", CDC_RELAY);
    public static final Setting<Integer> DB_PORT = Setting.port("RTKV_DB_PORT", 3306, "the shard's port", CDC_RELAY);
    public static final Setting<String> CDC_USER = Setting.text("RTKV_CDC_USER", "cdc", "the binlog reader's user",
            CDC_RELAY);
    public static final Setting<String> CDC_PASSWORD = Setting.requiredText("RTKV_CDC_PASSWORD", "its password", CDC_RELAY);
    public static final Setting<Integer> RELAY_SERVER_ID = Setting.integer("RTKV_RELAY_SERVER_ID", 1_000_000_000, 1,
            Integer.MAX_VALUE - 1_000_000, "where the replica ids of its binlog connections start", CDC_RELAY);
    public static final Setting<Integer> TOPIC_REPLICATION = Setting.integer("RTKV_TOPIC_REPLICATION", 1, 1, 7,
            "the replication of the topics the relays create", CDC_RELAY);
    public static final Setting<String> RELAY_HOST = Setting.text("RTKV_RELAY_HOST", "127.0.0.1",
            "the address of /healthz, /readyz and /metrics", CDC_RELAY);
    public static final Setting<Integer> RELAY_PORT = Setting.port("RTKV_RELAY_PORT", 8090, "their port", CDC_RELAY);
    public static final Setting<Integer> RELAY_POLL_MS = Setting.integer("RTKV_RELAY_POLL_MS", 500, 1, 10_000,
            "how long a poll of Debezium's queue waits on a quiet shard", CDC_RELAY);
    public static final Setting<Integer> RELAY_OFFSET_FLUSH_MS = Setting.integer("RTKV_RELAY_OFFSET_FLUSH_MS", 1_000, 0,
            600_000, "how often the binlog position is saved", CDC_RELAY);
    public static final Setting<Integer> RELAY_HEARTBEAT_MS = Setting.integer("RTKV_RELAY_HEARTBEAT_MS", 1_000, 100,
            600_000, "Debezium's heartbeat on a quiet shard", CDC_RELAY);
    public static final Setting<Integer> RELAY_TRANSACTION_LINGER_MS = Setting.integer("RTKV_RELAY_TRANSACTION_LINGER_MS",
            10, 0, 1_000, "how long a Kafka transaction waits for more changes", CDC_RELAY);
    public static final Setting<Integer> RELAY_LEASE_SECONDS = Setting.integer("RTKV_RELAY_LEASE_SECONDS", 10, 4, 300,
            "the term of the shard's lease", CDC_RELAY);
    public static final Setting<String> RELAY_FAULT = Setting.text("RTKV_RELAY_FAULT", "",
            "fault tests only: halt-after-sends:N or halt-after-commits:N", CDC_RELAY);

    // The local cluster (./rtkv).
    public static final Setting<Path> DATA_DIR = Setting.path("RTKV_DATA_DIR", null, "the local cluster's data",
            LOCAL_CLUSTER);
    public static final Setting<List<String>> SHARD_PORTS = Setting.list("RTKV_SHARD_PORTS", "the local shards' ports",
            LOCAL_CLUSTER);
    public static final Setting<List<String>> RELAY_PORTS = Setting.list("RTKV_RELAY_PORTS", "the local relays' ports",
            LOCAL_CLUSTER);
    public static final Setting<Integer> KAFKA_PORT = Setting.port("RTKV_KAFKA_PORT", 9092, "the local broker's port",
            LOCAL_CLUSTER);
    public static final Setting<Integer> KAFKA_CONTROLLER_PORT = Setting.port("RTKV_KAFKA_CONTROLLER_PORT", 9093,
            "the local controller's port", LOCAL_CLUSTER);
    public static final Setting<Path> JAVA_HOME = Setting.path("RTKV_JAVA_HOME", null,
            "the JDK the local cluster's JVMs run on (read by ./rtkv)", LOCAL_CLUSTER);

    private static final List<Setting<?>> ALL = declared();

    private RtkvSettings() {
    }

    /** Every declaration, in the order above. */
    public static List<Setting<?>> all() {
        return ALL;
    }

    public static Optional<Setting<?>> named(String name) {
        return ALL.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /** The declared name nearest to {@code name}, when a typo (at most two edits) could explain it. */
    static Optional<String> closestTo(String name) {
        return ALL.stream().map(Setting::name).filter(known -> distance(known, name) <= 2)
                .min(Comparator.comparingInt(known -> distance(known, name)));
    }

    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int swap = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + swap);
            }
            int[] done = previous;
            previous = current;
            current = done;
        }
        return previous[b.length()];
    }

    private static List<Setting<?>> declared() {
        List<Setting<?>> settings = new ArrayList<>();
        for (Field field : RtkvSettings.class.getDeclaredFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == Setting.class) {
                try {
                    settings.add((Setting<?>) field.get(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return List.copyOf(settings);
    }
}
