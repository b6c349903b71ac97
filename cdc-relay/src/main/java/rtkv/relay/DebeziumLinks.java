package rtkv.relay;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import rtkv.link.DatabaseTls;
import rtkv.link.KafkaLink;

/**
 * The security of Debezium's links, in its own property names: TLS to the shard for its JDBC and its
 * binlog connections, and the Kafka security for the offset store and the schema history, whose
 * clients Debezium builds itself.
 */
final class DebeziumLinks implements AutoCloseable {

    private final Map<String, String> properties;
    private final Path trustStore;

    private DebeziumLinks(Map<String, String> properties, Path trustStore) {
        this.properties = Map.copyOf(properties);
        this.trustStore = trustStore;
    }

    /** The properties for one run of the engine; a trust store it needs is written in {@code workDir} until {@link #close}. */
    static DebeziumLinks open(DatabaseTls tls, KafkaLink kafka, Path workDir) {
        Map<String, String> p = new LinkedHashMap<>();
        Path store = null;
        p.put("database.ssl.mode", tls.mode());
        if (tls.caFile() != null) {
            // The JDBC connection goes through Connector/J, which reads the PEM itself ("driver." is passed
            // to it). The binlog client takes its CAs only from a key store file.
            p.put("driver.serverSslCert", tls.caFile().toString());
            String password = randomPassword();
            store = trustStore(tls.caFile(), workDir, password);
            p.put("database.ssl.truststore", store.toString());
            p.put("database.ssl.truststore.password", password);
        }
        // The offset store's clients take the engine's own top-level properties, the history's their prefixes.
        p.putAll(kafka.securityProperties());
        p.putAll(kafka.prefixed("schema.history.internal.producer."));
        p.putAll(kafka.prefixed("schema.history.internal.consumer."));
        return new DebeziumLinks(p, store);
    }

    Map<String, String> properties() {
        return properties;
    }

    /** Deletes the trust store, if one was written; idempotent. */
    @Override
    public void close() {
        if (trustStore != null) {
            try {
                Files.deleteIfExists(trustStore);
            } catch (IOException e) {
                // Only a file in the relay's temporary directory is left behind; the JVM deletes it at exit.
            }
        }
    }

    /** A PKCS12 trust store of the PEM file's certificates, readable by this user only. */
    static Path trustStore(Path pem, Path workDir, String password) {
        try {
            Files.createDirectories(workDir);
            Path file = Files.createTempFile(workDir, "rtkv-relay-db-ca", ".p12",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            file.toFile().deleteOnExit();
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            List<? extends Certificate> certificates;
            try (var in = Files.newInputStream(pem)) {
                certificates = List.copyOf(CertificateFactory.getInstance("X.509").generateCertificates(in));
            }
            for (int i = 0; i < certificates.size(); i++) {
                store.setCertificateEntry("ca-" + i, certificates.get(i));
            }
            try (OutputStream out = Files.newOutputStream(file)) {
                store.store(out, password.toCharArray());
            }
            return file;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cdc-relay: cannot make a trust store of " + pem + ": " + e, e);
        }
    }

    private static String randomPassword() {
        byte[] bytes = new byte[18];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
