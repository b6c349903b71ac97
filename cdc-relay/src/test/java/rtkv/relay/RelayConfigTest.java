package rtkv.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import rtkv.config.ConfigException;

class RelayConfigTest {

    @Test
    void defaultsFillEverythingButTheRequiredKeys() {
        RelayConfig config = RelayConfig.from(Map.of("RTKV_SHARD_ID", "1", "RTKV_CDC_PASSWORD", "secret"));

        assertEquals(1, config.shardId());
        assertEquals(1_000_000_007, config.serverId(7), "the base plus the lease connection's id");
        assertEquals(1_000_000_007, config.serverId(3_000_007), "modulo a million");
        assertEquals("rtkv-relay-rtkv.changes-shard-1", config.transactionalId());
        assertEquals("none", config.fault().toString());
        assertEquals("rtkv.changes", config.topic());
        assertEquals("rtkv.changes.relay-offsets", config.offsetsTopic());
        assertEquals("rtkv.changes.relay-schema-history.shard-1", config.schemaHistoryTopic());
        assertEquals(Duration.ofSeconds(10), config.leaseTerm());
        assertEquals("rtkv-shard-1", config.serverName());
        assertEquals(10, config.lingerMillis(), "changes gather for 10 ms: a third less of Kafka's CPU per write");
        assertFalse(config.toString().contains("secret"), "the password never reaches a log line");
    }

    @Test
    void listsEveryMissingOrInvalidKey() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> RelayConfig.from(Map.of("RTKV_TOPIC_PARTITIONS", "0", "RTKV_RELAY_LEASE_SECONDS", "2",
                        "RTKV_RELAY_FAULT", "halt-after-sends:0")));

        assertEquals(List.of(
                "RTKV_SHARD_ID is required",
                "RTKV_CDC_PASSWORD is required",
                "RTKV_TOPIC_PARTITIONS must be between 1 and 10000, was 0",
                "RTKV_RELAY_LEASE_SECONDS must be between 4 and 300, was 2",
                "RTKV_RELAY_FAULT must be halt-after-sends:N or halt-after-commits:N, not halt-after-sends:0"), e.problems());
    }
}
