package rtkv.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import rtkv.config.ConfigException;

class FanoutConfigTest {

    @Test
    void defaults() {
        FanoutConfig config = FanoutConfig.from(Map.of("RTKV_SHARDS", "jdbc:mariadb://a/rtkv"));
        assertEquals(8081, config.port());
        assertEquals(1 << 20, config.maxPendingBytes());
        assertEquals(100, config.maxSubscribers());
        assertEquals("reader", config.dbUser());
    }

    @Test
    void heartbeatsMustComeBeforeTheClientTimeout() {
        ConfigException e = assertThrows(ConfigException.class, () -> FanoutConfig.from(Map.of(
                "RTKV_SHARDS", "jdbc:mariadb://a/rtkv",
                "RTKV_FANOUT_HEARTBEAT_SECONDS", "60", "RTKV_FANOUT_CLIENT_TIMEOUT_SECONDS", "30")));
        assertEquals(List.of("RTKV_FANOUT_HEARTBEAT_SECONDS must be shorter than RTKV_FANOUT_CLIENT_TIMEOUT_SECONDS"),
                e.problems());
    }

    @Test
    void theShardsAreRequired() {
        ConfigException e = assertThrows(ConfigException.class, () -> FanoutConfig.from(Map.of()));
        assertEquals(List.of("RTKV_SHARDS is required"), e.problems());
    }
}
