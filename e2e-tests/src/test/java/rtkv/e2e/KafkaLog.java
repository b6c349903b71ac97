package rtkv.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.Properties;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import rtkv.link.KafkaLink;
import rtkv.schema.ChangeEvent;
import rtkv.schema.ChangeEventJson;
import rtkv.schema.GapMarker;

/** Reads topic rtkv.changes as any downstream consumer would. */
final class KafkaLog {

    static final String TOPIC = "rtkv.changes";

    private KafkaLog() {
    }

    /** How many gap markers of {@code shard} the log holds, over every partition. */
    static long gapMarkers(String bootstrap, int shard) {
        return readAll(KafkaLink.plaintext(bootstrap), record -> GapMarker.of(record.key(), record.value()).filter(m -> m.shard() == shard)
                .isPresent()).size();
    }

    /** Every change of the table in the log, in order. */
    static List<ChangeEvent> changesOf(String bootstrap, String table) {
        return changesOf(KafkaLink.plaintext(bootstrap), table);
    }

    /** The same, through {@code link}'s security. */
    static List<ChangeEvent> changesOf(KafkaLink link, String table) {
        return readAll(link, record -> table.equals(record.key())).stream()
                .map(record -> ChangeEventJson.read(record.value())).toList();
    }

    /**
     * Writes {@code write} and waits until a record of each of {@code tables} is in the log after where
     * every partition ended before the writes; answers the tables still missing after {@code patience}.
     */
    static Set<String> missingAfter(String bootstrap, Set<String> tables, Runnable write, Duration patience) {
        try (KafkaConsumer<String, byte[]> consumer = consumer(KafkaLink.plaintext(bootstrap))) {
            List<TopicPartition> partitions = assignEveryPartition(consumer);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
            write.run();
            Set<String> missing = new HashSet<>(tables);
            long deadline = System.nanoTime() + patience.toNanos();
            while (!missing.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(record -> missing.remove(record.key()));
            }
            return missing;
        }
    }

    /** The records that pass {@code filter}, from the beginning of every partition to its end now. */
    private static List<ConsumerRecord<String, byte[]>> readAll(KafkaLink link,
                                                               Predicate<ConsumerRecord<String, byte[]>> filter) {
        try (KafkaConsumer<String, byte[]> consumer = consumer(link)) {
            List<TopicPartition> partitions = assignEveryPartition(consumer);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            List<ConsumerRecord<String, byte[]>> kept = new ArrayList<>();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (filter.test(record)) {
                        kept.add(record);
                    }
                }
            }
            return kept;
        }
    }

    private static KafkaConsumer<String, byte[]> consumer(KafkaLink link) {
        Properties p = link.clientProperties();
        // As PRODUCT.md tells downstream consumers to read it: what committed, each change once.
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    }

    private static List<TopicPartition> assignEveryPartition(KafkaConsumer<String, byte[]> consumer) {
        List<TopicPartition> partitions = consumer.partitionsFor(TOPIC).stream()
                .map(info -> new TopicPartition(TOPIC, info.partition())).toList();
        consumer.assign(partitions);
        return partitions;
    }
}
