package rtkv.relay;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads the binlog position Debezium last saved for a shard from the offsets topic, as Kafka Connect
 * writes it: key {@code ["<engine name>",{"server":"rtkv-shard-N"}]}, value the offset as JSON, the
 * newest record of a key winning and a null value erasing it.
 */
final class SavedPosition {

    /**
     * The offsets topic's record for the shard: its key as Kafka Connect wrote it, the offset's JSON,
     * and the record's timestamp, when it was saved.
     */
    record Saved(byte[] key, String offset, long savedAtMillis) {
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private SavedPosition() {
    }

    /** The saved offset's JSON, or empty when the shard has none (or the topic does not exist yet). */
    static Optional<String> read(RelayConfig config) {
        return readRecord(config).map(Saved::offset);
    }

    /** The newest record of the shard, or empty when it has none or its newest is a deletion. */
    static Optional<Saved> readRecord(RelayConfig config) {
        Properties p = config.kafka().clientProperties();
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "rtkv-relay-" + config.shardId() + "-position");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        String server = "\"server\":\"" + config.serverName() + "\"";
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = consumer.listTopics(TIMEOUT).get(config.offsetsTopic());
            if (infos == null) {
                return Optional.empty();
            }
            List<TopicPartition> partitions = infos.stream()
                    .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, TIMEOUT);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Saved last = null;
            while (partitions.stream().anyMatch(tp -> consumer.position(tp, TIMEOUT) < ends.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.key() != null && new String(record.key(), StandardCharsets.UTF_8).contains(server)) {
                        last = record.value() == null ? null
                                : new Saved(record.key(), new String(record.value(), StandardCharsets.UTF_8),
                                        record.timestamp());
                    }
                }
            }
            return Optional.ofNullable(last);
        }
    }
}
