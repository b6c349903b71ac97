package rtkv.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shards and the broker the launcher starts are real, durable, and configured as rtkv needs. */
class InfrastructureIT {

    @TempDir
    static Path dataDir;
    static LocalCluster cluster;

    @BeforeAll
    static void start() {
        cluster = LocalCluster.of(ClusterLayout.onFreePorts(dataDir, 1)).startShards().startKafka();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static Connection app() throws SQLException {
        return DriverManager.getConnection(cluster.shardJdbcUrl(0), cluster.appUser(), cluster.appPassword());
    }

    private static String variable(Statement statement, String name) throws SQLException {
        try (ResultSet rs = statement.executeQuery("SELECT @@GLOBAL." + name)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void shardIsConfiguredForDurableRowBasedBinlog() throws Exception {
        try (Connection c = app(); Statement s = c.createStatement()) {
            assertEquals("1", variable(s, "log_bin"));
            assertEquals("ROW", variable(s, "binlog_format"));
            assertEquals("FULL", variable(s, "binlog_row_image"));
            assertEquals("1", variable(s, "innodb_flush_log_at_trx_commit"));
            assertEquals("1", variable(s, "sync_binlog"));
        }
    }

    @Test
    void appUserWritesRowsButCannotChangeTheSchema() throws Exception {
        try (Connection c = app(); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO kv (table_id, k, v, version, changed_at) VALUES ('infra', 'k', '1', 1, 0)");
            try (ResultSet rs = s.executeQuery("SELECT v FROM kv WHERE table_id = 'infra'")) {
                assertTrue(rs.next());
                assertEquals("1", rs.getString(1));
            }
            assertThrows(SQLException.class, () -> s.execute("DROP TABLE kv"));
            assertThrows(SQLException.class, () -> s.execute("CREATE TABLE other (id INT PRIMARY KEY)"));
        }
    }

    @Test
    void cdcUserCanReadTheBinlogPositionButNotWrite() throws Exception {
        try (Connection c = DriverManager.getConnection(cluster.shardJdbcUrl(0), cluster.cdcUser(), cluster.cdcPassword());
             Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SHOW MASTER STATUS")) {
                assertTrue(rs.next(), "binlog position visible");
            }
            assertThrows(SQLException.class, () -> s.executeUpdate("INSERT INTO kv (table_id, k, v, version, changed_at) VALUES ('x', 'y', '1', 1, 0)"));
        }
    }

    @Test
    void noAnonymousUsersShadowTheServiceUsers() throws Exception {
        try (Connection c = app(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT CURRENT_USER()")) {
            rs.next();
            assertEquals("rtkv@%", rs.getString(1));
        }
    }

    @Test
    void brokerAnswersAndRefusesToAutoCreateTopics() throws Exception {
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.kafkaBootstrap());
        try (Admin admin = Admin.create(properties)) {
            assertEquals(1, admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).size());
            String autoCreate = admin.describeConfigs(List.of(new org.apache.kafka.common.config.ConfigResource(
                            org.apache.kafka.common.config.ConfigResource.Type.BROKER, "1")))
                    .all().get(30, TimeUnit.SECONDS).values().iterator().next()
                    .get("auto.create.topics.enable").value();
            assertEquals("false", autoCreate);
        }
    }

    @Test
    void aTakenPortIsNamedInTheError() throws Exception {
        Path otherDir = dataDir.resolve("other");
        ClusterLayout layout = ClusterLayout.onFreePorts(otherDir, 1);
        try (ServerSocket squatter = new ServerSocket(layout.shardPorts().get(0), 1, InetAddress.getLoopbackAddress())) {
            LauncherException e = assertThrows(LauncherException.class, () -> LocalCluster.of(layout).startShards());
            assertTrue(e.getMessage().contains("port " + layout.shardPorts().get(0) + " (mariadb-0) is already in use"),
                    e.getMessage());
        }
        assertFalse(LocalCluster.of(layout).runningParts().contains("mariadb-0"));
    }
}
