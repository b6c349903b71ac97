package rtkv.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import rtkv.config.ConfigException;
import rtkv.schema.KvSchema;

/** The chart's schema Job: rtkv's tables where they are missing, nothing changed where they are. */
@ExtendWith(ApiFixture.class)
class SchemaMainIT {

    @Test
    void createsTheTablesOnEveryShardAndChangesNothingTheSecondTime() throws Exception {
        List<String> urls = new ArrayList<>();
        for (int shard = 0; shard < 2; shard++) {
            ApiFixture.cluster().runAsShardAdministrator(shard, "CREATE DATABASE schema_job; "
                    + "CREATE USER 'schema_job'@'%' IDENTIFIED BY 'job-password'; "
                    + "GRANT CREATE, SELECT, INSERT ON schema_job.* TO 'schema_job'@'%'");
            urls.add(ApiFixture.cluster().shardJdbcUrl(shard).replace("/" + KvSchema.DATABASE, "/schema_job"));
        }
        Map<String, String> env = Map.of("RTKV_SHARDS", String.join(",", urls), "RTKV_DB_USER", "schema_job",
                "RTKV_DB_PASSWORD", "job-password");

        assertEquals(List.of(), SchemaMain.apply(env));
        try (Connection c = DriverManager.getConnection(urls.get(1), "schema_job", "job-password");
             Statement s = c.createStatement()) {
            s.execute("INSERT INTO kv (table_id, k, v, version, changed_at) VALUES ('t', 'k', '1', 1, 0)");
        }
        assertEquals(List.of(), SchemaMain.apply(env), "a second run finds the tables there");
        for (String url : urls) {
            try (Connection c = DriverManager.getConnection(url, "schema_job", "job-password");
                 ResultSet tables = c.getMetaData().getTables("schema_job", null, "kv%", null)) {
                List<String> names = new ArrayList<>();
                while (tables.next()) {
                    names.add(tables.getString("TABLE_NAME"));
                }
                assertTrue(names.contains(KvSchema.TABLE), url + ": " + names);
            }
        }
        try (Connection c = DriverManager.getConnection(urls.get(1), "schema_job", "job-password");
             ResultSet rows = c.createStatement().executeQuery("SELECT COUNT(*) FROM kv")) {
            rows.next();
            assertEquals(1, rows.getInt(1), "the row written between the runs is still there");
        }
    }

    @Test
    void aShardItCannotReachOrMayNotChangeIsNamed() {
        // The app user may not create tables: the Job needs a user of its own.
        List<String> failed = SchemaMain.apply(Map.of("RTKV_SHARDS", "jdbc:mariadb://127.0.0.1:1/rtkv?connectTimeout=2000,"
                + ApiFixture.cluster().shardJdbcUrl(0), "RTKV_DB_USER", ApiFixture.cluster().appUser(),
                "RTKV_DB_PASSWORD", ApiFixture.cluster().appPassword()));
        assertEquals(2, failed.size(), failed.toString());
        assertTrue(failed.get(0).startsWith("schema job: shard 0 (jdbc:mariadb://127.0.0.1:1/rtkv): "), failed.get(0));
        assertTrue(failed.get(1).startsWith("schema job: shard 1 ("), failed.get(1));
    }

    @Test
    void missingSettingsAreListedTogether() {
        ConfigException refused = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> SchemaMain.apply(Map.of()));
        assertEquals(2, refused.problems().size(), refused.getMessage());
    }
}
