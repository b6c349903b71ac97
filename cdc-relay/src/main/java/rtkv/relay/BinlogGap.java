package rtkv.relay;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import rtkv.schema.GapMarker;
import rtkv.schema.Gtid;

/**
 * When the binlog after a relay's saved position has been purged, the changes committed in between
 * can never be streamed. Rather than stream past that gap silently, or stay down for good, the relay
 * writes a {@link GapMarker} to every partition of the change topic (consumers re-read the shard's
 * tables from MySQL, fanout nodes tell subscribers {@code resync}), then moves its saved position to
 * the shard's current one, and streams from there. The marker is acknowledged before the position
 * moves, and both before anything after the gap is published; a crash in between only repeats it.
 */
final class BinlogGap {

    private static final Logger LOG = LoggerFactory.getLogger(BinlogGap.class);
    /**
     * How a purged position is worded: by Debezium's start-up check (BaseSourceTask, snapshot mode
     * "initial"), which finds nothing on MariaDB since it has no purged GTID set, and by MariaDB when
     * the binlog connection asks for the position (error 1236).
     */
    private static final List<String> PURGED = List.of("no longer available on the server",
            "required binlog files have been purged");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private BinlogGap() {
    }

    /** Whether a relay run failed because its saved binlog position was purged from the shard. */
    static boolean isPurgedPosition(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String message = t.getMessage();
            if (message != null && PURGED.stream().anyMatch(message::contains)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Marks the gap in the change topic and moves the saved position to the shard's current one.
     * {@code leaseConfirmed} is asked before each write; when it answers false, nothing more is written.
     */
    static void skipToCurrentPosition(RelayConfig config, Clock clock, BooleanSupplier leaseConfirmed)
            throws InterruptedException {
        SavedPosition.Saved saved = SavedPosition.readRecord(config).orElseThrow(() -> new RelayException(
                "cdc-relay shard " + config.shardId() + ": the binlog position was purged, but none is saved"));
        Current current = currentPosition(config);
        String reason = "the binlog of shard " + config.shardId() + " after the relay's saved position was purged; "
                + "changes committed between that position and " + current.gtids() + " were never streamed";
        LOG.error("shard {}: {}. Saved position: {}. Writing a gap marker to every partition of {} (subscribers of the "
                        + "shard's tables resync from MySQL) and streaming on from {}", config.shardId(), reason,
                saved.offset(), config.topic(), current.gtids());
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProperties(config), new ByteArraySerializer(),
                new ByteArraySerializer());
        try {
            confirm(leaseConfirmed, config);
            byte[] marker = new GapMarker(config.shardId(), Gtid.sequence(current.gtids()), clock.millis(), reason).toJson();
            List<Future<RecordMetadata>> acks = new ArrayList<>();
            for (PartitionInfo partition : producer.partitionsFor(config.topic())) {
                acks.add(producer.send(new ProducerRecord<>(config.topic(), partition.partition(), null, marker)));
            }
            awaitAll(acks, config);
            byte[] offset = movedOffset(saved.offset(), current, clock).getBytes(StandardCharsets.UTF_8);
            confirm(leaseConfirmed, config);
            awaitAll(List.of(producer.send(new ProducerRecord<>(config.offsetsTopic(), saved.key(), offset))), config);
        } finally {
            producer.close(TIMEOUT);
        }
        LOG.warn("shard {}: gap marked; the saved position is now {}", config.shardId(), current.gtids());
    }

    private static void confirm(BooleanSupplier leaseConfirmed, RelayConfig config) {
        if (!leaseConfirmed.getAsBoolean()) {
            throw new RelayException("cdc-relay shard " + config.shardId() + ": the lease was lost while marking the gap");
        }
    }

    private record Current(String gtids, String file, long pos, long serverId) {
    }

    private static Current currentPosition(RelayConfig config) {
        String url = config.cdcJdbcUrl() + "?connectTimeout=" + TIMEOUT.toMillis() + "&socketTimeout=" + TIMEOUT.toMillis();
        try (Connection c = DriverManager.getConnection(url,
                config.dbTls().connectionProperties(config.cdcUser(), config.cdcPassword()));
             Statement s = c.createStatement()) {
            // Debezium resumes by the GTID position; a commit between it and the file position does no harm.
            String gtids;
            long serverId;
            try (ResultSet r = s.executeQuery("SELECT @@gtid_binlog_pos, @@server_id")) {
                r.next();
                gtids = r.getString(1);
                serverId = r.getLong(2);
            }
            try (ResultSet r = s.executeQuery("SHOW MASTER STATUS")) {
                if (!r.next()) {
                    throw new RelayException("cdc-relay shard " + config.shardId() + ": the shard writes no binlog");
                }
                return new Current(gtids, r.getString(1), r.getLong(2), serverId);
            }
        } catch (SQLException e) {
            throw new RelayException("cdc-relay shard " + config.shardId() + ": cannot read the shard's binlog position", e);
        }
    }

    /**
     * The saved offset with its place replaced by the current one. Debezium resumes a MariaDB offset by
     * its GTID position (the file and position are kept consistent with it), skipping nothing.
     */
    private static String movedOffset(String savedOffset, Current current, Clock clock) {
        try {
            ObjectNode offset = (ObjectNode) JSON.readTree(savedOffset);
            offset.put("file", current.file());
            offset.put("pos", current.pos());
            offset.put("gtids", current.gtids());
            offset.put("server_id", current.serverId());
            offset.put("ts_sec", clock.millis() / 1000);
            offset.remove(List.of("event", "row", "snapshot", "snapshot_completed", "transaction_id"));
            return JSON.writeValueAsString(offset);
        } catch (java.io.IOException | ClassCastException e) {
            throw new RelayException("cannot read the saved binlog position " + savedOffset, e);
        }
    }

    private static void awaitAll(List<Future<RecordMetadata>> acks, RelayConfig config) throws InterruptedException {
        for (Future<RecordMetadata> ack : acks) {
            try {
                ack.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new RelayException("cdc-relay shard " + config.shardId() + ": Kafka did not take the gap marker", e);
            }
        }
    }

    private static Properties producerProperties(RelayConfig config) {
        Properties p = config.kafka().clientProperties();
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "rtkv-relay-" + config.shardId() + "-gap");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return p;
    }
}
