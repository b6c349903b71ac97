package rtkv.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A service's settings read through the declarations of RtkvSettings. */
class SettingsTest {

    @Test
    void defaultsApplyWhenUnsetAndEachServiceHasItsOwn() {
        Settings api = new Settings(Service.API_SERVICE, Map.of("RTKV_DB_POOL_SIZE", " 7 ", "RTKV_API_HOST", " "));
        assertEquals(7, api.get(RtkvSettings.DB_POOL_SIZE));
        assertEquals("127.0.0.1", api.get(RtkvSettings.API_HOST), "blank is unset");
        assertEquals("rtkv", api.get(RtkvSettings.DB_USER));
        assertEquals(256, api.get(RtkvSettings.MAX_CONNECTIONS_PER_ADDRESS));
        Settings fanout = new Settings(Service.FANOUT_NODES, Map.of());
        assertEquals("reader", fanout.get(RtkvSettings.DB_USER));
        assertEquals(1_000, fanout.get(RtkvSettings.MAX_CONNECTIONS_PER_ADDRESS));
        api.validate();
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        Settings settings = new Settings(Service.CDC_RELAY, Map.of("RTKV_RELAY_PORT", "eighty",
                "RTKV_RELAY_LEASE_SECONDS", "3", "RTKV_TOPIC_REPLICATION", "99"));
        settings.get(RtkvSettings.RELAY_PORT);
        settings.get(RtkvSettings.RELAY_LEASE_SECONDS);
        settings.get(RtkvSettings.TOPIC_REPLICATION);
        settings.get(RtkvSettings.CDC_PASSWORD);

        ConfigException e = assertThrows(ConfigException.class, settings::validate);

        assertEquals(List.of(
                "RTKV_RELAY_PORT must be an integer, was \"eighty\"",
                "RTKV_RELAY_LEASE_SECONDS must be between 4 and 300, was 3",
                "RTKV_TOPIC_REPLICATION must be between 1 and 7, was 99",
                "RTKV_CDC_PASSWORD is required"), e.problems());
        assertTrue(e.getMessage().startsWith("cdc-relay configuration is invalid:"), e.getMessage());
    }

    @Test
    void aListHasNoEmptyItem() {
        Settings settings = new Settings(Service.API_SERVICE, Map.of("RTKV_SHARDS", "jdbc:a,,jdbc:b"));
        settings.get(RtkvSettings.SHARDS);
        assertEquals(List.of("RTKV_SHARDS has an empty item: \"jdbc:a,,jdbc:b\""),
                assertThrows(ConfigException.class, settings::validate).problems());
    }

    @Test
    void anUnknownRtkvVariableIsWarnedAboutWithTheNameItMayHaveMeant() {
        Settings settings = new Settings(Service.API_SERVICE, Map.of("RTKV_DB_POOLSIZE", "8", "RTKV_NOTHING_LIKE_IT", "1",
                "RTKV_FANOUT_GROUP", "read by another service", "PATH", "/usr/bin"));
        assertEquals(List.of(
                "RTKV_DB_POOLSIZE is not a setting of rtkv, and nothing reads it; did you mean RTKV_DB_POOL_SIZE?",
                "RTKV_NOTHING_LIKE_IT is not a setting of rtkv, and nothing reads it"), settings.warnings());
        settings.validate();
    }

    @Test
    void aServiceReadsOnlyWhatIsDeclaredAsItsOwn() {
        Settings relay = new Settings(Service.CDC_RELAY, Map.of());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> relay.get(RtkvSettings.DB_POOL_SIZE));
        assertTrue(e.getMessage().contains("RTKV_DB_POOL_SIZE is not declared as read by cdc-relay"), e.getMessage());
    }

    @Test
    void everyDeclarationIsNamedOnceAndDocumented() {
        List<String> names = RtkvSettings.all().stream().map(Setting::name).toList();
        assertEquals(names.size(), new java.util.HashSet<>(names).size(), "no name is declared twice");
        assertTrue(names.size() > 60, names.toString());
        RtkvSettings.all().forEach(setting -> assertTrue(!setting.doc().isBlank() && !setting.readers().isEmpty(), setting.name()));
    }
}
