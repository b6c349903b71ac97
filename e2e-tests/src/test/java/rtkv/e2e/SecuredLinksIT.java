package rtkv.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import rtkv.infra.ClusterLayout;
import rtkv.infra.LocalCluster;
import rtkv.infra.SelfSignedTls;
import rtkv.link.DatabaseTls;
import rtkv.link.KafkaLink;
import rtkv.schema.ChangeEvent;

/**
 * The pipeline over links secured as a managed Kafka and a managed MySQL secure them: a broker that
 * takes SASL_SSL only, with a SCRAM-SHA-512 user and a client certificate (mutual TLS), and a shard that
 * refuses any connection without TLS. Every service reaches them through its RTKV_KAFKA_ and
 * RTKV_DB_TLS_ settings alone; the refusals show that nothing got through on plaintext.
 */
class SecuredLinksIT {

    private static LocalCluster cluster;
    private static Path dir;

    @BeforeAll
    static void start() throws IOException {
        dir = Files.createTempDirectory("rtkv-secured");
        cluster = LocalCluster.withSecuredLinks(ClusterLayout.onFreePorts(dir, 1)).start();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void changesReachASubscriberAndTheLogAndARestartedRelayResumesOverSecuredLinks() {
        Api api = new Api(cluster.apiUrl(), cluster.adminKey());
        String table = "secured-" + System.nanoTime();
        try (Watcher watcher = Watcher.subscribe(cluster.fanoutUrl(), table, cluster.adminKey())) {
            assertEquals(1, api.put(table, "a", "{\"n\":1}").version());
            watcher.awaitKey("a");

            // The relay saves its position and schema history in the secured Kafka; after a crash it must
            // read both back through the same security and go on from there, with no gap and no repeat.
            cluster.kill("relay-0");
            assertEquals(2, api.put(table, "a", "{\"n\":2}").version());
            assertEquals(1, api.put(table, "b", "\"written while the relay was down\"").version());
            cluster.restart("relay-0");
            watcher.awaitKey("b");
            await("both changes after the restart").atMost(Duration.ofSeconds(60))
                    .until(() -> watcher.changes().size() == 3);
            assertEquals(List.of("a:put:1", "a:put:2", "b:put:1"), watcher.summary());
        }
        List<ChangeEvent> logged = KafkaLog.changesOf(cluster.kafkaLink(), table);
        assertEquals(List.of(1L, 2L, 1L), logged.stream().map(ChangeEvent::version).toList(),
                "a downstream consumer with the cluster's credentials reads each change once");
    }

    /** Debezium logs its whole configuration; the services' client key must not be in it, nor anywhere else. */
    @Test
    void noLogHoldsThePrivateKeyOrThePasswords() throws IOException {
        String key = Files.readString(dir.resolve("tls/rtkv-tls-key.pem"));
        String body = key.lines().filter(line -> !line.startsWith("-----")).findFirst().orElseThrow();
        try (var logs = Files.list(dir.resolve("logs"))) {
            for (Path log : logs.toList()) {
                String text = Files.readString(log);
                assertFalse(text.contains("PRIVATE KEY") || text.contains(body), log + " holds the private key");
                assertFalse(text.contains(cluster.appPassword()) || text.contains(cluster.cdcPassword()),
                        log + " holds a password");
            }
        }
    }

    @Test
    void theBrokerRefusesAClientWithoutTheRightPasswordOrCertificateOrOnPlaintext() throws Exception {
        Properties good = cluster.kafkaLink().clientProperties();
        assertEquals(1, brokersSeenWith(good), "the services' own credentials are accepted");

        Properties wrongPassword = cluster.kafkaLink().clientProperties();
        wrongPassword.put("sasl.jaas.config", KafkaLink.jaas("SCRAM-SHA-512", "rtkv", "not-the-password"));
        assertInstanceOf(SaslAuthenticationException.class, refusal(wrongPassword));

        Properties noCertificate = cluster.kafkaLink().clientProperties();
        noCertificate.keySet().removeIf(name -> name.toString().startsWith("ssl.keystore."));
        assertInstanceOf(SslAuthenticationException.class, refusal(noCertificate));

        Properties plaintext = new Properties();
        plaintext.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.kafkaLink().bootstrap());
        assertThrows(Exception.class, () -> brokersSeenWith(plaintext), "a plaintext client gets nothing");
    }

    @Test
    void theShardTakesOnlyTlsAndTheServicesCertificateIsCheckedAgainstTheirCa() throws SQLException {
        String url = cluster.shardJdbcUrl(0);
        DatabaseTls tls = cluster.databaseTls();
        try (Connection c = DriverManager.getConnection(url, tls.connectionProperties(cluster.appUser(), cluster.appPassword()));
             Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SHOW SESSION STATUS LIKE 'Ssl_version'")) {
            assertTrue(r.next());
            assertTrue(r.getString(2).startsWith("TLS"), "the services' settings give an encrypted session: " + r.getString(2));
        }

        // The same user and password as above: only the missing TLS can be why it is refused.
        assertThrows(SQLException.class, () -> DriverManager.getConnection(url,
                DatabaseTls.DISABLED.connectionProperties(cluster.appUser(), cluster.appPassword())).close(),
                "a connection without TLS is refused");

        Path otherCa = SelfSignedTls.create(dir.resolve("other-ca")).certificate();
        DatabaseTls wrongCa = new DatabaseTls("verify-full", otherCa);
        assertThrows(SQLException.class, () -> DriverManager.getConnection(url,
                wrongCa.connectionProperties(cluster.appUser(), cluster.appPassword())).close(),
                "a shard whose certificate the CA did not sign is refused");
    }

    private static int brokersSeenWith(Properties properties) throws ExecutionException, InterruptedException,
            java.util.concurrent.TimeoutException {
        properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000);
        properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 4_000);
        try (Admin admin = Admin.create(properties)) {
            return admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size();
        }
    }

    private static Throwable refusal(Properties properties) {
        ExecutionException refused = assertThrows(ExecutionException.class, () -> brokersSeenWith(properties));
        return refused.getCause();
    }
}
