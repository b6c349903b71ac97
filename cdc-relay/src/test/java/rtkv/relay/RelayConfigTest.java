package rtkv.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import rtkv.config.ConfigException;

class RelayConfigTest {

    @Test
    void defaultsFillEverythingButTheRequiredKeys() {
        RelayConfig config = RelayConfig.from(Map.of("RTKV_SHARD_ID", "1", "RTKV_CDC_PASSWORD", "secret",
                "RTKV_RELAY_DATA_DIR", "/tmp/relay-1"));

        assertEquals(1, config.shardId());
        assertEquals(5401, config.serverId());
        assertEquals("rtkv.changes", config.topic());
        assertEquals(Path.of("/tmp/relay-1"), config.dataDir());
        assertEquals("rtkv-shard-1", config.serverName());
        assertFalse(config.toString().contains("secret"), "the password never reaches a log line");
    }

    @Test
    void listsEveryMissingOrInvalidKey() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> RelayConfig.from(Map.of("RTKV_TOPIC_PARTITIONS", "0")));

        assertEquals(List.of(
                "RTKV_SHARD_ID is required",
                "RTKV_CDC_PASSWORD is required",
                "RTKV_TOPIC_PARTITIONS must be between 1 and 10000, was 0",
                "RTKV_RELAY_DATA_DIR is required"), e.problems());
    }
}
