package rtkv.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import rtkv.config.ConfigException;

class FanoutConfigTest {

    private static final String ADMIN = "rk.admin." + "b".repeat(43);

    @Test
    void defaults() {
        FanoutConfig config = FanoutConfig.from(Map.of("RTKV_SHARDS", "jdbc:mariadb://a/rtkv", "RTKV_ADMIN_KEY", ADMIN));
        assertEquals(8081, config.port());
        assertEquals(1 << 20, config.maxPendingBytes());
        assertEquals(100, config.maxSubscribers());
        assertEquals("reader", config.dbUser());
        assertEquals(1_000, config.edge().maxConnectionsPerAddress());
        assertEquals(10, config.edge().handshakeTimeoutSeconds());
        assertFalse(config.edge().tls());
        assertFalse(config.toString().contains(ADMIN), "the admin key is never printed");
    }

    @Test
    void heartbeatsMustComeBeforeTheClientTimeout() {
        ConfigException e = assertThrows(ConfigException.class, () -> FanoutConfig.from(Map.of(
                "RTKV_SHARDS", "jdbc:mariadb://a/rtkv", "RTKV_ADMIN_KEY", ADMIN,
                "RTKV_FANOUT_HEARTBEAT_SECONDS", "60", "RTKV_FANOUT_CLIENT_TIMEOUT_SECONDS", "30")));
        assertEquals(List.of("RTKV_FANOUT_HEARTBEAT_SECONDS must be shorter than RTKV_FANOUT_CLIENT_TIMEOUT_SECONDS"),
                e.problems());
    }

    @Test
    void theShardsAndTheAdminKeyAreRequired() {
        ConfigException e = assertThrows(ConfigException.class, () -> FanoutConfig.from(Map.of()));
        assertEquals(List.of("RTKV_SHARDS is required", "RTKV_ADMIN_KEY must be at least 32 characters"), e.problems());
    }

    @Test
    void aNodeListeningEverywhereMustSayWhereItIsReachedAndAnIpv6HostIsBracketed() {
        ConfigException e = assertThrows(ConfigException.class, () -> FanoutConfig.from(Map.of(
                "RTKV_SHARDS", "jdbc:mariadb://a/rtkv", "RTKV_ADMIN_KEY", ADMIN, "RTKV_FANOUT_HOST", "0.0.0.0")));
        assertTrue(e.getMessage().contains("RTKV_FANOUT_ADVERTISED_URL"), e.getMessage());
        FanoutConfig advertised = FanoutConfig.from(Map.of("RTKV_SHARDS", "jdbc:mariadb://a/rtkv", "RTKV_ADMIN_KEY", ADMIN,
                "RTKV_FANOUT_HOST", "0.0.0.0", "RTKV_FANOUT_ADVERTISED_URL", "ws://10.0.0.7:8081"));
        assertEquals("ws://10.0.0.7:8081", advertised.advertisedUrl(8081));
        FanoutConfig ipv6 = FanoutConfig.from(Map.of("RTKV_SHARDS", "jdbc:mariadb://a/rtkv", "RTKV_ADMIN_KEY", ADMIN,
                "RTKV_FANOUT_HOST", "::1"));
        assertEquals("ws://[::1]:9000", ipv6.advertisedUrl(9000));
    }

    @Test
    void capsByPatternAreReadAndEveryBadOneIsListed() {
        FanoutConfig config = FanoutConfig.from(Map.of("RTKV_SHARDS", "jdbc:mariadb://a/rtkv", "RTKV_ADMIN_KEY", ADMIN,
                "RTKV_MAX_SUBSCRIBERS_BY_PATTERN", " article.*=20000, chat.7=5 ,*=300"));
        assertEquals(Map.of("article.*", 20_000, "chat.7", 5, "*", 300), config.capPatterns());
        assertEquals(Map.of(), FanoutConfig.from(Map.of("RTKV_SHARDS", "jdbc:mariadb://a/rtkv", "RTKV_ADMIN_KEY", ADMIN))
                .capPatterns());
        ConfigException e = assertThrows(ConfigException.class, () -> FanoutConfig.from(Map.of(
                "RTKV_SHARDS", "jdbc:mariadb://a/rtkv", "RTKV_ADMIN_KEY", ADMIN,
                "RTKV_MAX_SUBSCRIBERS_BY_PATTERN", "a*b=1,c.*=many,d.*,e.*=1,e.*=2,")));
        assertEquals(5, e.problems().size(), e.problems().toString());
        assertTrue(e.problems().get(0).contains("\"a*b=1\""), e.problems().toString());
        assertTrue(e.problems().get(1).contains("many is not a whole number"), e.problems().toString());
        assertTrue(e.problems().get(2).contains("it is not NAME=N"), e.problems().toString());
        assertTrue(e.problems().get(3).contains("e.* is given twice"), e.problems().toString());
        assertTrue(e.problems().get(4).contains("it is not NAME=N"), e.problems().toString());
    }
}
