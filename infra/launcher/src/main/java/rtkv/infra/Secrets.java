package rtkv.infra;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Properties;
import rtkv.auth.ApiKeys;

/**
 * The secrets of a local cluster, generated at its first start and kept beside its data (readable by
 * the owner only), so that data and credentials always travel together.
 *
 * @param appPassword    password of user {@code rtkv}, which api-service connects as
 * @param cdcPassword    password of user {@code cdc}, which the relays read the binlog as
 * @param readerPassword password of user {@code reader}, which fanout nodes read snapshots as
 * @param kafkaPassword  SCRAM password of Kafka user {@code rtkv}, the services' own, on a cluster with secured links
 * @param brokerPassword SCRAM password of Kafka user {@code broker}, which the brokers reach each other as
 * @param adminKey       the admin API key, alone in {@code admin.key} so that scripts can read it
 */
record Secrets(String appPassword, String cdcPassword, String readerPassword, String kafkaPassword,
               String brokerPassword, String adminKey) {

    static final String ADMIN_KEY_FILE = "admin.key";

    @Override
    public String toString() {
        return "Secrets[kept in secrets.properties and " + ADMIN_KEY_FILE + "]";
    }

    static final String APP_USER = "rtkv";
    static final String CDC_USER = "cdc";
    static final String READER_USER = "reader";
    static final String KAFKA_USER = "rtkv";
    static final String BROKER_USER = "broker";

    static Secrets loadOrCreate(Path dataDir) {
        Path file = dataDir.resolve("secrets.properties");
        try {
            Properties properties = new Properties();
            if (Files.isRegularFile(file)) {
                try (Reader reader = Files.newBufferedReader(file)) {
                    properties.load(reader);
                }
            }
            boolean added = false;
            for (String name : new String[] {"app.password", "cdc.password", "reader.password", "kafka.password",
                    "kafka.broker.password"}) {
                if (properties.getProperty(name) == null) {
                    properties.setProperty(name, randomPassword());
                    added = true;
                }
            }
            if (added) {
                Files.createDirectories(dataDir);
                writeOwnerOnly(file);
                try (Writer writer = Files.newBufferedWriter(file)) {
                    properties.store(writer, "rtkv local cluster database passwords");
                }
            }
            return new Secrets(properties.getProperty("app.password"), properties.getProperty("cdc.password"),
                    properties.getProperty("reader.password"), properties.getProperty("kafka.password"),
                    properties.getProperty("kafka.broker.password"), adminKey(dataDir.resolve(ADMIN_KEY_FILE)));
        } catch (IOException e) {
            throw new LauncherException("cannot read or create " + file, e);
        }
    }

    private static String adminKey(Path file) throws IOException {
        if (Files.isRegularFile(file)) {
            String key = Files.readString(file).strip();
            ApiKeys.adminKeyProblem(key).ifPresent(problem -> {
                throw new LauncherException(file + ": " + problem.replace("RTKV_ADMIN_KEY", "the admin key")
                        + "; delete the file to have a new one generated");
            });
            return key;
        }
        String key = ApiKeys.newAdminKey(new SecureRandom());
        Files.createDirectories(file.getParent());
        writeOwnerOnly(file);
        Files.writeString(file, key + "\n");
        return key;
    }

    static void writeOwnerOnly(Path file) throws IOException {
        if (!Files.exists(file)) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
    }

    private static String randomPassword() {
        byte[] bytes = new byte[18];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
