package rtkv.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import rtkv.config.ConfigException;

class ApiConfigTest {

    @Test
    void shardsAreAnOrderedListOfJdbcUrls() {
        ApiConfig config = ApiConfig.from(Map.of("RTKV_SHARDS", "jdbc:mariadb://a:3307/rtkv, jdbc:mariadb://b:3308/rtkv"));
        assertEquals(List.of("jdbc:mariadb://a:3307/rtkv", "jdbc:mariadb://b:3308/rtkv"), config.shardUrls());
        assertEquals(512, config.maxKeyBytes());
    }

    @Test
    void everyProblemIsListed() {
        ConfigException e = assertThrows(ConfigException.class, () -> ApiConfig.from(Map.of(
                "RTKV_SHARDS", "mysql://a", "RTKV_MAX_KEY_BYTES", "4096", "RTKV_API_PORT", "-1")));
        assertEquals(List.of(
                "RTKV_SHARDS must list JDBC URLs, got \"mysql://a\"",
                "RTKV_API_PORT must be between 0 and 65535, was -1",
                "RTKV_MAX_KEY_BYTES must be between 1 and 512, was 4096"), e.problems());
    }

    @Test
    void aShardMapMustCoverEveryBucketWithAKnownShard() {
        ConfigException e = assertThrows(ConfigException.class, () -> ApiConfig.from(Map.of(
                "RTKV_SHARDS", "jdbc:mariadb://a/rtkv,jdbc:mariadb://b/rtkv", "RTKV_SHARD_MAP", "0-4095:2")));
        assertEquals(List.of("RTKV_SHARD_MAP is invalid: buckets 0-4095 go to shard 2, but there are only 2"),
                e.problems());
        ApiConfig moved = ApiConfig.from(Map.of("RTKV_SHARDS", "jdbc:mariadb://a/rtkv,jdbc:mariadb://b/rtkv",
                "RTKV_SHARD_MAP", "0-4095:1"));
        assertEquals(1, moved.shardMap().shardOf("anything"));
    }
}
