package rtkv.relay;

import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import rtkv.schema.KvSchema;

/**
 * One run of the relay of one shard: Debezium's embedded engine on the shard's binlog, feeding a
 * {@link KafkaPublisher}, while this process holds the shard's lease ({@link FailoverRelay} takes the
 * lease and starts a run). Lifecycle: {@link #start()}, {@link #isReady()} once the binlog is being
 * streamed, {@link #close()}; {@link #stopped()} completes when the engine ends, with its error if any.
 * The binlog position and the schema history are kept in Kafka, so a run on any machine resumes where
 * the last one, anywhere, stopped.
 */
final class Relay implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Relay.class);
    /** Changes sent to Kafka and not yet committed, at most; a crash replays them (ReplayGuard). */
    private static final int MAX_UNCOMMITTED = 4_096;
    /**
     * The longest a send or a commit may block before the run starts again with a new producer
     * (KafkaPublisher). Leader elections take seconds; after brokers failed, a stuck idempotent producer
     * was seen retrying one partition's batch for minutes while the brokers were well again.
     */
    private static final Duration ACK_TIMEOUT = Duration.ofSeconds(30);

    private final RelayConfig config;
    private final Clock clock;
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private final ExecutorService engineThread;
    private Producer<String, byte[]> producer;
    private DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
    private volatile KafkaPublisher publisher;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final BooleanSupplier leaseHeld;
    private final RelayMetrics metrics;
    private final int serverId;
    private DebeziumLinks links;
    private volatile boolean positionSaved;

    /**
     * {@code leaseHeld} is asked before each change is sent: once false, nothing more is published.
     * {@code leaseHolder}: the shard's id of the connection holding the lease, which makes this run's
     * replica id its own ({@link RelayConfig#serverId}).
     */
    Relay(RelayConfig config, Clock clock, BooleanSupplier leaseHeld, RelayMetrics metrics, long leaseHolder) {
        this.config = config;
        this.serverId = config.serverId(leaseHolder);
        this.metrics = metrics;
        this.clock = clock;
        this.leaseHeld = leaseHeld;
        this.engineThread = Executors.newSingleThreadExecutor(r -> new Thread(r, "relay-engine-" + config.shardId()));
    }

    /**
     * Creates the topic if needed (waiting for Kafka up to 2 minutes), fences the producer of any relay
     * of this shard before it (its open transaction is aborted), reads what the log holds since the
     * saved position, then starts the engine.
     */
    public void start() throws InterruptedException {
        try (Admin admin = Admin.create(adminProperties())) {
            RelayTopics.ensure(admin, config, clock, closed::get);
        }
        Producer<String, byte[]> fenced = new KafkaProducer<>(producerProperties(), new StringSerializer(),
                new ByteArraySerializer());
        synchronized (this) {
            if (closed.get()) {
                fenced.close(Duration.ZERO);
                return;
            }
            producer = fenced;
        }
        fenced.initTransactions();
        ReplayGuard replays = ReplayGuard.read(config);
        synchronized (this) {
            if (closed.get()) {
                return;
            }
            startEngine(replays);
        }
    }

    private void startEngine(ReplayGuard replays) {
        links = DebeziumLinks.open(config.dbTls(), config.kafka(), Path.of(System.getProperty("java.io.tmpdir")));
        publisher = new KafkaPublisher(producer, config.topic(), new RowChangeMapper(config.shardId()), config.shardId(),
                replays, MAX_UNCOMMITTED, config.lingerMillis(), leaseHeld, metrics, config.fault());
        engine = DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
                .using(engineProperties())
                .using(clock)
                .notifying(publisher)
                .using((success, message, error) -> {
                    if (success) {
                        LOG.info("shard {}: engine stopped: {}", config.shardId(), message);
                        stopped.complete(null);
                    } else {
                        LOG.error("shard {}: engine failed: {}", config.shardId(), message, error);
                        stopped.completeExceptionally(error != null ? error
                                : new RelayException("cdc-relay shard " + config.shardId() + ": " + message));
                    }
                })
                .build();
        engineThread.execute(engine);
        LOG.info("shard {}: relay started: {}", config.shardId(), config);
    }

    /**
     * True once Debezium streams the shard's binlog (the first snapshot, if any, is done) and has saved
     * a position: from then on a crash resumes from the binlog, it never snapshots again.
     */
    public boolean isReady() {
        if (stopped.isDone() || !connected()) {
            return false;
        }
        if (!positionSaved) {
            try {
                positionSaved = SavedPosition.read(config).isPresent();
            } catch (KafkaException e) {
                return false;
            }
        }
        return positionSaved;
    }

    private boolean connected() {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        try {
            Set<ObjectName> names = server.queryNames(new ObjectName(
                    "debezium.mariadb:type=connector-metrics,context=streaming,server=" + config.serverName() + ",*"), null);
            for (ObjectName name : names) {
                if (Boolean.TRUE.equals(server.getAttribute(name, "Connected"))) {
                    return true;
                }
            }
            return false;
        } catch (JMException e) {
            return false;
        }
    }

    /** Completes when the engine has ended: normally after {@link #close()}, exceptionally on a failure. */
    public CompletableFuture<Void> stopped() {
        return stopped;
    }

    public long published() {
        return publisher == null ? 0 : publisher.published();
    }

    long skipped() {
        return publisher == null ? 0 : publisher.skipped();
    }

    /** Stops the engine (which saves the position of what Kafka acknowledged), then the producer. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return; // also ends a start() still waiting for Kafka
        }
        synchronized (this) {
            stopEngine();
        }
        stopped.complete(null);
    }

    private void stopEngine() {
        try {
            if (engine != null && !stopped.isDone()) {
                engine.close();
            }
        } catch (IOException | IllegalStateException e) {
            // IllegalStateException: the engine had already shut itself down after a failure.
            LOG.warn("shard {}: closing the engine: {}", config.shardId(), e.toString());
        }
        engineThread.shutdown();
        try {
            if (!engineThread.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("shard {}: the engine did not stop within 30 s", config.shardId());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (publisher != null) {
            publisher.close();
        }
        if (links != null) {
            links.close();
        }
        if (producer != null) {
            producer.close(config.leaseTerm().dividedBy(3));
        }
    }

    private Properties adminProperties() {
        Properties p = config.kafka().clientProperties();
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "rtkv-relay-" + config.shardId() + "-admin");
        return p;
    }

    private Properties producerProperties() {
        Properties p = config.kafka().clientProperties();
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "rtkv-relay-" + config.shardId());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        // Idempotence keeps retried sends in order and free of duplicates within a partition; the
        // transactional id, the shard's, lets the next relay of the shard fence this one.
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.transactionalId());
        // A relay stopped with a transaction open holds back every read_committed reader of its partitions
        // until the next relay fences it (a lease term) or the transaction times out, so keep it short.
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) ACK_TIMEOUT.toMillis());
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, ACK_TIMEOUT.toMillis());
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        // A change is sent the moment Debezium reads it (batches of one, pipelined): lingering would only
        // add latency, and the producer's own batching fills while a request is in flight.
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        // delivery.timeout.ms stays at Kafka's two minutes, on purpose: a producer that gives up on a
        // batch while later ones of the partition get through (tried at a third of the lease term, in
        // KafkaBrokerLossIT) leaves a hole that the restarted run fills after them, out of order.
        return p;
    }

    private Properties engineProperties() {
        Properties p = new Properties();
        p.put("name", "rtkv-relay-" + config.shardId());
        p.put("connector.class", "io.debezium.connector.mariadb.MariaDbConnector");
        p.put("topic.prefix", config.serverName());
        p.put("database.hostname", config.dbHost());
        p.put("database.port", Integer.toString(config.dbPort()));
        p.put("database.user", config.cdcUser());
        p.put("database.password", config.cdcPassword());
        p.put("database.server.id", Integer.toString(serverId));
        p.put("database.include.list", KvSchema.DATABASE);
        p.put("table.include.list", KvSchema.DATABASE + "." + KvSchema.TABLE);
        // First start: read the rows already there, then stream; later starts resume from the saved offset.
        p.put("snapshot.mode", "initial");
        p.put("include.schema.changes", "false");
        p.put("tombstones.on.delete", "false");
        p.put("binary.handling.mode", "bytes");
        // A batch of one wakes the poll the moment a change is queued; the interval only bounds a poll
        // of a quiet shard. Debezium's poll spins for the last millisecond of each interval (it waits
        // in whole milliseconds, rounded down), so a short interval burns CPU: 5 ms cost 14% of a core.
        p.put("max.batch.size", "1");
        p.put("poll.interval.ms", Integer.toString(config.pollMillis()));
        // Heartbeats move the saved position forward on a quiet shard (they are never published), so
        // a restart does not start from a binlog file the shard may have purged meanwhile.
        p.put("heartbeat.interval.ms", Integer.toString(config.heartbeatMillis()));
        // A heartbeat is only emitted when the binlog connection sees an event; the server sends one
        // every 0.8 x this keep-alive interval even when nothing is written.
        p.put("connect.keep.alive.interval.ms", Long.toString(Math.round(config.heartbeatMillis() / 0.8)));
        // Positions and schema history live in Kafka (topics made by RelayTopics), where a standby finds them.
        p.put("bootstrap.servers", config.kafka().bootstrap());
        p.put("offset.storage", "org.apache.kafka.connect.storage.KafkaOffsetBackingStore");
        p.put("offset.storage.topic", config.offsetsTopic());
        p.put("offset.storage.partitions", "1");
        p.put("offset.storage.replication.factor", Short.toString(config.replicationFactor()));
        p.put("offset.flush.interval.ms", Integer.toString(config.offsetFlushMillis()));
        p.put("schema.history.internal", "io.debezium.storage.kafka.history.KafkaSchemaHistory");
        p.put("schema.history.internal.kafka.bootstrap.servers", config.kafka().bootstrap());
        p.put("schema.history.internal.kafka.topic", config.schemaHistoryTopic());
        p.put("schema.history.internal.store.only.captured.tables.ddl", "true");
        p.putAll(links.properties());
        return p;
    }
}
