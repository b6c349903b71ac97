package rtkv.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rtkv.config.ConfigException;
import rtkv.config.Service;
import rtkv.config.Settings;

/**
 * The RTKV_KAFKA_ security and RTKV_DB_TLS_ settings: what each client is given, and every setting
 * that would be ignored, missing or unreadable refused at start-up with the others.
 */
class SecuredLinksSettingsTest {

    @TempDir
    Path temp;

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(SecuredLinksSettingsTest.class.getResource(name).toURI());
    }

    private static Map<String, String> env(String... pairs) {
        Map<String, String> env = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    private static List<String> problems(Service service, Map<String, String> env) {
        Settings settings = new Settings(service, env);
        KafkaLink.from(settings);
        return assertThrows(ConfigException.class, settings::validate).problems();
    }

    @Test
    void byDefaultEveryClientIsPlaintextToTheBootstrapServers() {
        Settings settings = new Settings(Service.CDC_RELAY, Map.of("RTKV_KAFKA_BOOTSTRAP", "k1:9092,k2:9092"));
        KafkaLink link = KafkaLink.from(settings);
        settings.validate();
        Properties client = link.clientProperties();
        assertEquals(Map.of("bootstrap.servers", "k1:9092,k2:9092", "security.protocol", "PLAINTEXT"), client);
        client.put("acks", "all");
        assertFalse(link.clientProperties().containsKey("acks"), "each client gets a configuration of its own");
    }

    @Test
    void saslSslWithScramAndMutualTlsGiveEveryClientTheSameSecurity() throws Exception {
        Settings settings = new Settings(Service.FANOUT_NODES, env(
                "RTKV_KAFKA_SECURITY_PROTOCOL", "sasl_ssl",
                "RTKV_KAFKA_SASL_USERNAME", "rtkv",
                "RTKV_KAFKA_SASL_PASSWORD", "pa\"ss\\word",
                "RTKV_KAFKA_TLS_CA_FILE", resource("test-cert.pem").toString(),
                "RTKV_KAFKA_TLS_CERT_FILE", resource("test-cert.pem").toString(),
                "RTKV_KAFKA_TLS_KEY_FILE", resource("test-key.pem").toString()));
        KafkaLink link = KafkaLink.from(settings);
        settings.validate();
        Map<String, String> security = link.securityProperties();
        assertEquals("SASL_SSL", security.get("security.protocol"));
        assertEquals("SCRAM-SHA-512", security.get("sasl.mechanism"));
        assertEquals("org.apache.kafka.common.security.scram.ScramLoginModule required username=\"rtkv\""
                + " password=\"pa\\\"ss\\\\word\";", security.get("sasl.jaas.config"), "quoted as the JAAS parser reads it");
        assertEquals("PEM", security.get("ssl.truststore.type"));
        assertEquals(resource("test-cert.pem").toString(), security.get("ssl.truststore.location"));
        assertTrue(security.get("ssl.keystore.certificate.chain").startsWith("-----BEGIN CERTIFICATE-----"));
        assertTrue(security.get("ssl.keystore.key").startsWith("-----BEGIN PRIVATE KEY-----"));
        assertFalse(link.toString().contains("word"), "the password is never in the description: " + link);
        assertEquals("org.apache.kafka.common.security.plain.PlainLoginModule required username=\"key\" password=\"secret\";",
                KafkaLink.jaas("PLAIN", "key", "secret"));
    }

    @Test
    void settingsTheProtocolWouldIgnoreOrLacksAreRefusedTogether() throws Exception {
        String ca = resource("test-cert.pem").toString();
        assertEquals(List.of(
                "RTKV_KAFKA_SASL_USERNAME is set, but RTKV_KAFKA_SECURITY_PROTOCOL=PLAINTEXT would never use it",
                "RTKV_KAFKA_SASL_PASSWORD is set, but RTKV_KAFKA_SECURITY_PROTOCOL=PLAINTEXT would never use it",
                "RTKV_KAFKA_TLS_CA_FILE is set, but RTKV_KAFKA_SECURITY_PROTOCOL=PLAINTEXT would never use it"),
                problems(Service.CDC_RELAY, env("RTKV_KAFKA_SASL_USERNAME", "u", "RTKV_KAFKA_SASL_PASSWORD", "p",
                        "RTKV_KAFKA_TLS_CA_FILE", ca)));
        assertEquals(List.of(
                "RTKV_KAFKA_SASL_USERNAME is required with RTKV_KAFKA_SECURITY_PROTOCOL=SASL_SSL",
                "RTKV_KAFKA_SASL_PASSWORD is required with RTKV_KAFKA_SECURITY_PROTOCOL=SASL_SSL",
                "RTKV_KAFKA_TLS_CERT_FILE and RTKV_KAFKA_TLS_KEY_FILE go together: set both for mutual TLS, or neither"),
                problems(Service.CDC_RELAY, env("RTKV_KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "RTKV_KAFKA_TLS_CERT_FILE", ca)));
        assertEquals(List.of("RTKV_KAFKA_SECURITY_PROTOCOL must be one of [PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL], was \"TLS\""),
                problems(Service.FANOUT_NODES, env("RTKV_KAFKA_SECURITY_PROTOCOL", "TLS")));
    }

    @Test
    void aFileThatIsNotWhatItShouldBeIsNamedWithTheFix() throws Exception {
        Path notPem = Files.writeString(temp.resolve("ca.txt"), "hello");
        Path pkcs1 = Files.writeString(temp.resolve("rsa.key"), "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
        Path encrypted = Files.writeString(temp.resolve("enc.key"),
                "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
        Path missing = temp.resolve("missing.pem");
        List<String> problems = problems(Service.CDC_RELAY, env("RTKV_KAFKA_SECURITY_PROTOCOL", "SSL",
                "RTKV_KAFKA_TLS_CA_FILE", notPem.toString(),
                "RTKV_KAFKA_TLS_CERT_FILE", missing.toString(),
                "RTKV_KAFKA_TLS_KEY_FILE", pkcs1.toString()));
        assertEquals(3, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith(notPem + " is not a PEM certificate file"), problems.get(0));
        assertTrue(problems.get(1).startsWith("cannot read " + missing), problems.get(1));
        assertTrue(problems.get(2).contains("is not in PKCS#8 form; convert it: openssl pkcs8 -topk8 -nocrypt"), problems.get(2));
        assertTrue(problems(Service.CDC_RELAY, env("RTKV_KAFKA_SECURITY_PROTOCOL", "SSL",
                "RTKV_KAFKA_TLS_CERT_FILE", resource("test-cert.pem").toString(), "RTKV_KAFKA_TLS_KEY_FILE", encrypted.toString()))
                .get(0).contains("is an encrypted key"));
    }

    @Test
    void databaseTlsIsConnectorJsOwnModeAndCaFile() throws Exception {
        Path ca = resource("test-cert.pem");
        Settings settings = new Settings(Service.API_SERVICE, env("RTKV_DB_TLS_MODE", "VERIFY-FULL",
                "RTKV_DB_TLS_CA_FILE", ca.toString()));
        DatabaseTls tls = DatabaseTls.from(settings);
        settings.validate();
        assertTrue(tls.enabled());
        assertEquals(Map.of("sslMode", "verify-full", "serverSslCert", ca.toString()), tls.jdbcProperties());
        Properties connection = tls.connectionProperties("rtkv", "secret");
        assertEquals("rtkv", connection.get("user"));
        assertEquals("verify-full", connection.get("sslMode"));
        assertFalse(DatabaseTls.DISABLED.enabled());
        assertEquals(Map.of(), DatabaseTls.DISABLED.jdbcProperties(), "TLS asked for in a JDBC URL is left to apply");

        Settings twice = new Settings(Service.FANOUT_NODES, env("RTKV_DB_TLS_MODE", "verify-ca"));
        DatabaseTls.from(twice, List.of("jdbc:mariadb://db:3306/rtkv", "jdbc:mariadb://db2:3306/rtkv?SSLMODE=trust"));
        assertEquals(List.of("RTKV_SHARDS sets sslMode or serverSslCert in a URL, and RTKV_DB_TLS_MODE is set too: set TLS"
                + " in one place"), assertThrows(ConfigException.class, twice::validate).problems());
        Settings urlOnly = new Settings(Service.FANOUT_NODES, Map.of());
        assertFalse(DatabaseTls.from(urlOnly, List.of("jdbc:mariadb://db:3306/rtkv?sslMode=trust")).enabled());
        urlOnly.validate();

        Settings ignored = new Settings(Service.SCHEMA_JOB, env("RTKV_DB_TLS_MODE", "trust",
                "RTKV_DB_TLS_CA_FILE", temp.resolve("none.pem").toString()));
        DatabaseTls.from(ignored);
        List<String> problems = assertThrows(ConfigException.class, ignored::validate).problems();
        assertEquals("RTKV_DB_TLS_CA_FILE is set, but RTKV_DB_TLS_MODE=trust checks no certificate; use verify-ca or"
                + " verify-full", problems.get(0));
        assertTrue(problems.get(1).startsWith("cannot read "), problems.get(1));

        Settings wrong = new Settings(Service.CDC_RELAY, env("RTKV_DB_TLS_MODE", "required", "RTKV_CDC_PASSWORD", "x",
                "RTKV_SHARD_ID", "0"));
        DatabaseTls.from(wrong);
        assertEquals(List.of("RTKV_DB_TLS_MODE must be one of [disable, trust, verify-ca, verify-full], was \"required\""),
                assertThrows(ConfigException.class, wrong::validate).problems());
    }

    @Test
    void aPemBundleOfSeveralCasIsReadWhole() throws IOException, URISyntaxException {
        String one = Files.readString(resource("test-cert.pem"));
        Path bundle = Files.writeString(temp.resolve("bundle.pem"), one + one);
        assertEquals(2, Pem.certificates(bundle).size());
    }
}
