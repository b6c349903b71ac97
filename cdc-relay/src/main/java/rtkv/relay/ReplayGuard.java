package rtkv.relay;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import rtkv.schema.ChangeEvent;
import rtkv.schema.ChangeEventJson;
import rtkv.schema.Gtid;

/**
 * Keeps the change log free of duplicates across relay restarts. Debezium resumes from the last
 * binlog position it saved, so after a crash it hands over again the transactions that followed it,
 * some of which were already published. Before the engine starts, this reads back from Kafka what this
 * shard published after that position (GTID sequence above the saved one) and the publisher skips
 * exactly those. The replay comes in binlog order, so once a later transaction passes, it is over.
 */
final class ReplayGuard {

    private static final Logger LOG = LoggerFactory.getLogger(ReplayGuard.class);
    private static final Pattern GTIDS = Pattern.compile("\"gtids\"\\s*:\\s*\"([^\"]*)\"");
    private static final Pattern TS_SEC = Pattern.compile("\"ts_sec\"\\s*:\\s*(\\d+)");
    /**
     * Producer timestamps follow commit times (and a position is saved after its changes were sent);
     * this much earlier covers clock differences between shard and relay. Every record since is read
     * and parsed before a takeover streams, so this bounds the takeover time at a high write rate: five
     * minutes made a standby read 4.5 s of the e2e suite's log before streaming.
     */
    private static final Duration LOOK_BACK = Duration.ofSeconds(30);
    /**
     * When only the time the position was saved is known: a change after the position may have been
     * sent (its timestamp) that much before, while its transaction waited to commit: Kafka's default
     * delivery.timeout.ms, which the relay keeps, bounds it.
     */
    private static final Duration SEND_MAY_WAIT = Duration.ofMinutes(2);

    /** Longer than a transaction may stay open (the relays' transaction timeout is 30 s). */
    private static final Duration READ_AT_MOST = Duration.ofSeconds(90);

    private final Set<String> published;
    private long lastSequence;

    ReplayGuard(Set<String> published, long lastSequence) {
        this.published = published;
        this.lastSequence = lastSequence;
    }

    static ReplayGuard none() {
        return new ReplayGuard(new HashSet<>(), 0);
    }

    /** True for an event that is already in the log; each one is answered true once. */
    boolean alreadyPublished(ChangeEvent event) {
        if (published.isEmpty()) {
            return false;
        }
        if (event.seq() > lastSequence) {
            published.clear();
            return false;
        }
        return published.remove(identity(event));
    }

    static String identity(ChangeEvent event) {
        return event.seq() + "\u0000" + event.table() + "\u0000" + event.key() + "\u0000" + event.version();
    }

    /** Reads what this shard published after its saved position ({@link SavedPosition}), if there is one. */
    static ReplayGuard read(RelayConfig config) {
        Optional<SavedPosition.Saved> position = SavedPosition.readRecord(config);
        if (position.isEmpty()) {
            return none();
        }
        String saved = position.get().offset();
        Matcher gtids = GTIDS.matcher(saved);
        if (!gtids.find()) {
            LOG.warn("shard {}: the saved position {} has no GTID; not guarding against replays", config.shardId(), saved);
            return none();
        }
        long savedSequence = Gtid.sequence(gtids.group(1));
        // From the commit time of the saved position when Debezium recorded one (a position saved before
        // any event of a new run has none), else from when the position was saved, less SEND_MAY_WAIT.
        Matcher tsSec = TS_SEC.matcher(saved);
        long since = tsSec.find() ? Long.parseLong(tsSec.group(1)) * 1000 - LOOK_BACK.toMillis()
                : position.get().savedAtMillis() - SEND_MAY_WAIT.plus(LOOK_BACK).toMillis();
        Set<String> published = new HashSet<>();
        long last = 0;
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(consumerProperties(config),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(config.topic(), Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            Map<TopicPartition, Long> query = new HashMap<>();
            partitions.forEach(p -> query.put(p, since));
            Map<TopicPartition, OffsetAndTimestamp> starts = consumer.offsetsForTimes(query, Duration.ofSeconds(30));
            Map<TopicPartition, Long> ends = highWatermarks(config, partitions);
            List<TopicPartition> toRead = partitions.stream().filter(p -> starts.get(p) != null).toList();
            consumer.assign(toRead);
            toRead.forEach(p -> consumer.seek(p, starts.get(p).offset()));
            long deadline = System.nanoTime() + READ_AT_MOST.toNanos();
            while (toRead.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                if (System.nanoTime() > deadline) {
                    // Held back by a transaction that does not end (a relay stopped with one open, not yet
                    // fenced or timed out), or a log that does not answer: this run stops, the next tries again.
                    throw new RelayException("cdc-relay shard " + config.shardId() + ": could not read what the log holds"
                            + " since the saved position within " + READ_AT_MOST.toSeconds() + " s");
                }
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.offset() >= ends.get(new TopicPartition(record.topic(), record.partition()))
                            || record.key() == null) {
                        continue; // past the end read, or a gap marker (BinlogGap)
                    }
                    ChangeEvent event = ChangeEventJson.read(record.value());
                    if (event.shard() == config.shardId() && event.seq() > savedSequence) {
                        published.add(identity(event));
                        last = Math.max(last, event.seq());
                    }
                }
            }
        }
        LOG.info("shard {}: {} changes after GTID sequence {} are already published; a replay will skip them",
                config.shardId(), published.size(), savedSequence);
        return new ReplayGuard(published, last);
    }

    /**
     * Where each partition ends, uncommitted records included: another shard's relay may have a
     * transaction open, which hides everything after its start from a read_committed reader, this shard's
     * committed changes too. Reading up to here waits for it to end, a commit's time, so none is missed.
     */
    private static Map<TopicPartition, Long> highWatermarks(RelayConfig config, List<TopicPartition> partitions) {
        Properties p = consumerProperties(config);
        p.remove(ConsumerConfig.ISOLATION_LEVEL_CONFIG);
        try (KafkaConsumer<String, byte[]> uncommitted = new KafkaConsumer<>(p, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            return uncommitted.endOffsets(partitions, Duration.ofSeconds(30));
        }
    }

    private static Properties consumerProperties(RelayConfig config) {
        Properties p = config.kafka().clientProperties();
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "rtkv-relay-" + config.shardId() + "-replay-guard");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // What committed only: a fenced relay's aborted sends are not in the log, and are sent again.
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return p;
    }
}
