package rtkv.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import rtkv.config.ConfigException;

class ApiConfigTest {

    private static final String ADMIN = "rk.admin." + "a".repeat(43);

    @Test
    void shardsAreAnOrderedListOfJdbcUrls() {
        ApiConfig config = ApiConfig.from(Map.of("RTKV_SHARDS", "jdbc:mariadb://a:3307/rtkv, jdbc:mariadb://b:3308/rtkv",
                "RTKV_ADMIN_KEY", ADMIN));
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
                "RTKV_MAX_KEY_BYTES must be between 1 and 512, was 4096",
                "RTKV_ADMIN_KEY must be at least 32 characters"), e.problems());
    }

    @Test
    void aShardMapMustCoverEveryBucketWithAKnownShard() {
        ConfigException e = assertThrows(ConfigException.class, () -> ApiConfig.from(Map.of(
                "RTKV_SHARDS", "jdbc:mariadb://a/rtkv,jdbc:mariadb://b/rtkv", "RTKV_SHARD_MAP", "0-4095:2",
                "RTKV_ADMIN_KEY", ADMIN)));
        assertEquals(List.of("RTKV_SHARD_MAP is invalid: buckets 0-4095 go to shard 2, but there are only 2"),
                e.problems());
        ApiConfig moved = ApiConfig.from(Map.of("RTKV_SHARDS", "jdbc:mariadb://a/rtkv,jdbc:mariadb://b/rtkv",
                "RTKV_SHARD_MAP", "0-4095:1", "RTKV_ADMIN_KEY", ADMIN));
        assertEquals(1, moved.shardMap().shardOf("anything"));
    }

    @Test
    void thePagesNeedAnHttpFanoutAddressOrOff() {
        ConfigException e = assertThrows(ConfigException.class, () -> ApiConfig.from(Map.of(
                "RTKV_SHARDS", "jdbc:mariadb://a/rtkv", "RTKV_ADMIN_KEY", ADMIN, "RTKV_PAGES_FANOUT_URL", "ws://x:8081")));
        assertEquals(List.of("RTKV_PAGES_FANOUT_URL must be an http:// or https:// address such as http://127.0.0.1:8081,"
                + " or off, got \"ws://x:8081\""), e.problems());
        assertEquals("", ApiConfig.from(Map.of("RTKV_SHARDS", "jdbc:mariadb://a/rtkv", "RTKV_ADMIN_KEY", ADMIN,
                "RTKV_PAGES_FANOUT_URL", "off")).pagesFanoutUrl());
        assertEquals("https://fanout.example.com", ApiConfig.from(Map.of("RTKV_SHARDS", "jdbc:mariadb://a/rtkv",
                "RTKV_ADMIN_KEY", ADMIN, "RTKV_PAGES_FANOUT_URL", "https://fanout.example.com")).pagesFanoutUrl());
    }

    @Test
    void allowedOriginsAreOriginsOrAStarAlone() {
        ConfigException e = assertThrows(ConfigException.class, () -> ApiConfig.from(Map.of(
                "RTKV_SHARDS", "jdbc:mariadb://a/rtkv", "RTKV_ADMIN_KEY", ADMIN,
                "RTKV_API_ALLOWED_ORIGINS", "https://app.example.com/, app.example.com, https://host:, *")));
        assertEquals(4, e.problems().size(), e.problems().toString());
        assertEquals(List.of("https://a.example.com", "http://127.0.0.1:5173"), ApiConfig.from(Map.of(
                "RTKV_SHARDS", "jdbc:mariadb://a/rtkv", "RTKV_ADMIN_KEY", ADMIN,
                "RTKV_API_ALLOWED_ORIGINS", "https://a.example.com, http://127.0.0.1:5173")).allowedOrigins());
        assertEquals(List.of(), ApiConfig.from(Map.of("RTKV_SHARDS", "jdbc:mariadb://a/rtkv", "RTKV_ADMIN_KEY", ADMIN))
                .allowedOrigins(), "no other site's page by default");
    }

    @Test
    void aKeystoreMustOpenWithItsPasswordAndTheAdminKeyMustBeStrong() {
        ConfigException e = assertThrows(ConfigException.class, () -> ApiConfig.from(Map.of(
                "RTKV_SHARDS", "jdbc:mariadb://a/rtkv", "RTKV_ADMIN_KEY", "has a space and is long enough to pass",
                "RTKV_TLS_KEYSTORE", "/no/such/keystore.p12", "RTKV_TLS_KEYSTORE_PASSWORD", "secret",
                "RTKV_MAX_CONNECTIONS_PER_ADDRESS", "0")));
        assertEquals(List.of(
                "RTKV_TLS_KEYSTORE /no/such/keystore.p12 is not a readable file",
                "RTKV_MAX_CONNECTIONS_PER_ADDRESS must be between 1 and 10000000, was 0",
                "RTKV_ADMIN_KEY may only hold printable ASCII characters, no spaces"), e.problems());
        assertFalse(e.getMessage().contains("has a space"), "the admin key is never echoed");
    }

    @Test
    void theAdminKeyIsNeverPrinted() {
        ApiConfig config = ApiConfig.from(Map.of("RTKV_SHARDS", "jdbc:mariadb://a/rtkv", "RTKV_ADMIN_KEY", ADMIN));
        assertFalse(config.toString().contains(ADMIN), config.toString());
        assertEquals(1_000, config.keyRateLimit());
        assertEquals(256, config.edge().maxConnectionsPerAddress());
    }
}
