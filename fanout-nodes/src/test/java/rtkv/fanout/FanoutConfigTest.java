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
        FanoutConfig config = FanoutConfig.from(Map.of());
        assertEquals(8081, config.port());
        assertEquals(1024, config.maxPendingFrames());
    }

    @Test
    void pingsMustComeBeforeTheIdleTimeout() {
        ConfigException e = assertThrows(ConfigException.class, () -> FanoutConfig.from(Map.of(
                "RTKV_FANOUT_PING_SECONDS", "60", "RTKV_FANOUT_IDLE_SECONDS", "30")));
        assertEquals(List.of("RTKV_FANOUT_PING_SECONDS must be shorter than RTKV_FANOUT_IDLE_SECONDS"), e.problems());
    }
}
