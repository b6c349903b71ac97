package rtkv.infra;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * {@code ./rtkv log [TABLE] [--from-beginning]}: topic rtkv.changes read by a plain Kafka consumer, as
 * any downstream service would: one line per change, "partition@offset table json".
 */
final class ChangeLog {

    private static final String TOPIC = "rtkv.changes";

    private ChangeLog() {
    }

    static void follow(String bootstrap, String table, boolean fromBeginning, PrintStream out) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "rtkv-log");
        // Each committed change once: the relays publish in transactions, and a fenced one's sends never commit.
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(TOPIC, Duration.ofSeconds(30)).stream()
                    .map(info -> new TopicPartition(TOPIC, info.partition())).toList();
            if (partitions.isEmpty()) {
                throw new LauncherException("topic " + TOPIC + " does not exist at " + bootstrap + "; is the cluster up?");
            }
            consumer.assign(partitions);
            if (fromBeginning) {
                consumer.seekToBeginning(partitions);
            } else {
                consumer.seekToEnd(partitions);
            }
            System.err.println("rtkv: reading " + TOPIC + " at " + bootstrap + (table == null ? "" : " for table " + table)
                    + " (Ctrl-C stops)");
            while (!Thread.currentThread().isInterrupted()) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (table == null || table.equals(record.key())) {
                        out.println(record.partition() + "@" + record.offset() + " " + record.key() + " "
                                + new String(record.value(), StandardCharsets.UTF_8));
                    }
                }
            }
        }
    }
}
