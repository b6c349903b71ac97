package rtkv.relay;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
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

    private static final String KEY = "ssl.keystore.key";
    private static final String CHAIN = "ssl.keystore.certificate.chain";

    private final Map<String, String> properties;
    private final List<Path> files;

    private DebeziumLinks(Map<String, String> properties, List<Path> files) {
        this.properties = Map.copyOf(properties);
        this.files = List.copyOf(files);
    }

    /**
     * The properties for one run of the engine; the files they name (a trust store, a key store) are
     * written in {@code workDir}, readable by this user only, until {@link #close}.
     */
    static DebeziumLinks open(DatabaseTls tls, KafkaLink kafka, Path workDir) {
        Map<String, String> p = new LinkedHashMap<>();
        List<Path> files = new ArrayList<>();
        p.put("database.ssl.mode", tls.mode());
        if (tls.caFile() != null) {
            // The JDBC connection goes through Connector/J, which reads the PEM itself ("driver." is passed
            // to it). The binlog client takes its CAs only from a key store file.
            p.put("driver.serverSslCert", tls.caFile().toString());
            String password = randomPassword();
            Path store = trustStore(tls, workDir, password);
            files.add(store);
            p.put("database.ssl.truststore", store.toString());
            p.put("database.ssl.truststore.password", password);
        }
        Map<String, String> security = new LinkedHashMap<>(kafka.securityProperties());
        if (security.containsKey(KEY)) {
            // Debezium logs its whole configuration when a task starts, and hides only names like passwords:
            // the client's key goes to it as a file (Kafka reads a PEM key store file holding key and chain).
            Path keyStore = ownerOnlyFile(workDir, "rtkv-relay-kafka-client", ".pem");
            files.add(keyStore);
            write(keyStore, security.remove(KEY) + "\n" + security.remove(CHAIN));
            security.put("ssl.keystore.location", keyStore.toString());
        }
        // The offset store's clients take the engine's own top-level properties, the history's their prefixes.
        security.forEach((name, value) -> {
            p.put(name, value);
            p.put("schema.history.internal.producer." + name, value);
            p.put("schema.history.internal.consumer." + name, value);
        });
        return new DebeziumLinks(p, files);
    }

    Map<String, String> properties() {
        return properties;
    }

    /** Deletes the files it wrote; idempotent. */
    @Override
    public void close() {
        for (Path file : files) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // Only a file in the relay's own temporary directory is left behind.
            }
        }
    }

    private static Path ownerOnlyFile(Path workDir, String prefix, String suffix) {
        try {
            Files.createDirectories(workDir);
            return Files.createTempFile(workDir, prefix, suffix,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (IOException e) {
            throw new IllegalStateException("cdc-relay: cannot create a file in " + workDir + ": " + e, e);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new IllegalStateException("cdc-relay: cannot write " + file + ": " + e, e);
        }
    }

    /** A PKCS12 trust store of the CA file's certificates, readable by this user only. */
    static Path trustStore(DatabaseTls tls, Path workDir, String password) {
        Path file = ownerOnlyFile(workDir, "rtkv-relay-db-ca", ".p12");
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            List<X509Certificate> certificates = tls.caCertificates();
            for (int i = 0; i < certificates.size(); i++) {
                store.setCertificateEntry("ca-" + i, certificates.get(i));
            }
            try (OutputStream out = Files.newOutputStream(file)) {
                store.store(out, password.toCharArray());
            }
            return file;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cdc-relay: cannot make a trust store of " + tls.caFile() + ": " + e, e);
        }
    }

    private static String randomPassword() {
        byte[] bytes = new byte[18];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
