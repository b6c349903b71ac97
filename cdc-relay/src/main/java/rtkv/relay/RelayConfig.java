package rtkv.relay;

import java.time.Duration;
import java.util.Map;
import rtkv.config.RtkvSettings;
import rtkv.config.Service;
import rtkv.config.Settings;
import rtkv.link.DatabaseTls;
import rtkv.link.KafkaLink;

/**
 * Everything a relay needs, read once from the environment at start-up.
 *
 * @param shardId           RTKV_SHARD_ID, required: the shard this relay tails (0-based)
 * @param dbHost            RTKV_DB_HOST, default 127.0.0.1
 * @param dbPort            RTKV_DB_PORT, default 3306
 * @param cdcUser           RTKV_CDC_USER, default cdc: needs REPLICATION SLAVE, BINLOG MONITOR, RELOAD,
 *                          SHOW DATABASES and SELECT on the rtkv database
 * @param cdcPassword       RTKV_CDC_PASSWORD, required
 * @param serverIdBase      RTKV_RELAY_SERVER_ID, default 1000000000: the replica ids the binlog connections
 *                          use start here; each run adds its lease connection's id (modulo a million), so an
 *                          active relay and one that lost the lease without knowing it never share one, and
 *                          the shard never drops the new one's connection for the old one's
 * @param dbTls             RTKV_DB_TLS_MODE and RTKV_DB_TLS_CA_FILE: TLS on every connection to the shard, the
 *                          binlog's among them
 * @param kafka             RTKV_KAFKA_BOOTSTRAP (default 127.0.0.1:9092) and the RTKV_KAFKA_ security settings,
 *                          shared by every Kafka client of the relay, Debezium's stores among them
 * @param topic             RTKV_TOPIC, default rtkv.changes
 * @param partitions        RTKV_TOPIC_PARTITIONS, default 8: used when this relay creates the topic
 * @param replicationFactor RTKV_TOPIC_REPLICATION, default 1 (3 in production)
 * @param host              RTKV_RELAY_HOST, default 127.0.0.1: where /healthz and /readyz listen
 * @param port              RTKV_RELAY_PORT, default 8090
 * @param pollMillis        RTKV_RELAY_POLL_MS, default 500: how long a poll of Debezium's queue waits on
 *                          a quiet shard before it returns; a change ends the wait at once
 * @param offsetFlushMillis RTKV_RELAY_OFFSET_FLUSH_MS, default 1000: how often the binlog position
 *                          of changes Kafka has acknowledged is saved; a crash replays at most this much
 * @param heartbeatMillis   RTKV_RELAY_HEARTBEAT_MS, default 1000: how often Debezium marks its place
 *                          in the binlog when the shard is quiet
 * @param lingerMillis      RTKV_RELAY_TRANSACTION_LINGER_MS, default 10: how long the publisher lets changes
 *                          gather before it opens a transaction; fewer, larger transactions cost Kafka less
 *                          per change, and each change waits up to this long more
 * @param leaseSeconds      RTKV_RELAY_LEASE_SECONDS, default 10, at least 4: the term of the shard's lease
 *                          (ShardLease). A killed relay is replaced at once, one whose host vanished after
 *                          at most a term
 * @param fault             RTKV_RELAY_FAULT, default none: for fault tests only, stops the process at an exact
 *                          point of publishing ({@link FaultHook})
 */
record RelayConfig(int shardId, String dbHost, int dbPort, String cdcUser, String cdcPassword, DatabaseTls dbTls,
                          int serverIdBase, KafkaLink kafka, String topic, int partitions, short replicationFactor,
                          String host, int port, int pollMillis, int offsetFlushMillis, int heartbeatMillis,
                          int lingerMillis, int leaseSeconds, FaultHook fault) {

    private static final int SERVER_IDS_PER_BASE = 1_000_000;

    public static RelayConfig from(Map<String, String> env) {
        Settings s = new Settings(Service.CDC_RELAY, env);
        int shard = s.get(RtkvSettings.SHARD_ID);
        RelayConfig config = new RelayConfig(
                shard,
                s.get(RtkvSettings.DB_HOST),
                s.get(RtkvSettings.DB_PORT),
                s.get(RtkvSettings.CDC_USER),
                s.get(RtkvSettings.CDC_PASSWORD),
                DatabaseTls.from(s),
                s.get(RtkvSettings.RELAY_SERVER_ID),
                KafkaLink.from(s),
                s.get(RtkvSettings.TOPIC),
                s.get(RtkvSettings.TOPIC_PARTITIONS),
                s.get(RtkvSettings.TOPIC_REPLICATION).shortValue(),
                s.get(RtkvSettings.RELAY_HOST),
                s.get(RtkvSettings.RELAY_PORT),
                s.get(RtkvSettings.RELAY_POLL_MS),
                s.get(RtkvSettings.RELAY_OFFSET_FLUSH_MS),
                s.get(RtkvSettings.RELAY_HEARTBEAT_MS),
                s.get(RtkvSettings.RELAY_TRANSACTION_LINGER_MS),
                s.get(RtkvSettings.RELAY_LEASE_SECONDS),
                FaultHook.NONE);
        String fault = s.get(RtkvSettings.RELAY_FAULT);
        FaultHook hook = FaultHook.parse(fault).orElse(null);
        if (hook == null) {
            s.problem("RTKV_RELAY_FAULT must be halt-after-sends:N or halt-after-commits:N, not " + fault);
        }
        s.validate();
        if (hook != FaultHook.NONE) {
            config = new RelayConfig(config.shardId, config.dbHost, config.dbPort, config.cdcUser, config.cdcPassword,
                    config.dbTls, config.serverIdBase, config.kafka, config.topic, config.partitions, config.replicationFactor,
                    config.host, config.port, config.pollMillis, config.offsetFlushMillis, config.heartbeatMillis,
                    config.lingerMillis, config.leaseSeconds, hook);
        }
        return config;
    }

    /** Debezium's logical name of the shard; also the prefix of the topic names it would use. */
    String serverName() {
        return "rtkv-shard-" + shardId;
    }

    /**
     * Where every relay saves its binlog position, keyed by shard: in Kafka, not on a relay's disk, so
     * that a standby on another machine resumes where the active one stopped. Named after the change
     * topic so that two clusters can share a Kafka.
     */
    String offsetsTopic() {
        return topic + ".relay-offsets";
    }

    /** Debezium's record of the shard's table definitions, one topic per shard (it must have one partition). */
    String schemaHistoryTopic() {
        return topic + ".relay-schema-history.shard-" + shardId;
    }

    /** The shard, for the relay's own JDBC connections (the lease, the gap check), with no database chosen. */
    String cdcJdbcUrl() {
        return "jdbc:mariadb://" + dbHost + ":" + dbPort + "/";
    }

    /** The replica id of a run whose lease connection has id {@code holderId} on the shard. */
    int serverId(long holderId) {
        return serverIdBase + (int) Math.floorMod(holderId, (long) SERVER_IDS_PER_BASE);
    }

    /** Stable across processes, so that a relay taking over the shard fences the producer of the one before. */
    String transactionalId() {
        return "rtkv-relay-" + topic + "-shard-" + shardId;
    }

    Duration leaseTerm() {
        return Duration.ofSeconds(leaseSeconds);
    }

    @Override
    public String toString() {
        return "RelayConfig[shard=" + shardId + ", db=" + dbHost + ":" + dbPort + ", user=" + cdcUser
                + ", tls=" + dbTls.mode() + ", kafka=" + kafka + ", topic=" + topic + ", linger=" + lingerMillis + "ms, lease=" + leaseSeconds
                + "s]";
    }
}
