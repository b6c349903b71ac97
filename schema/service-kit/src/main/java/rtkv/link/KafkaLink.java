package rtkv.link;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import rtkv.config.RtkvSettings;
import rtkv.config.Settings;

/**
 * How a service's Kafka clients reach the brokers: the bootstrap servers, and the security every one of
 * them shares (producers, consumers, admin clients, and Debezium's offset and schema-history stores), so
 * no client can be left on plaintext by being built elsewhere. Read once at start-up; a setting that
 * would be ignored (a SASL user with a TLS-only protocol, say) is a problem, not a silent no-op.
 */
public final class KafkaLink {

    private final String bootstrap;
    private final String description;
    private final Map<String, String> security;

    private KafkaLink(String bootstrap, String description, Map<String, String> security) {
        this.bootstrap = bootstrap;
        this.description = description;
        this.security = Map.copyOf(security);
    }

    /** Reads RTKV_KAFKA_BOOTSTRAP and the RTKV_KAFKA_ security settings; problems are recorded in {@code s}. */
    public static KafkaLink from(Settings s) {
        String bootstrap = s.get(RtkvSettings.KAFKA_BOOTSTRAP);
        String protocol = s.get(RtkvSettings.KAFKA_SECURITY_PROTOCOL);
        boolean sasl = protocol.startsWith("SASL_");
        boolean tls = protocol.endsWith("SSL");
        Map<String, String> security = new LinkedHashMap<>();
        security.put("security.protocol", protocol);
        String description = protocol;
        if (sasl) {
            String mechanism = s.get(RtkvSettings.KAFKA_SASL_MECHANISM);
            String user = s.get(RtkvSettings.KAFKA_SASL_USERNAME);
            String password = s.get(RtkvSettings.KAFKA_SASL_PASSWORD);
            requiredWith(s, RtkvSettings.KAFKA_SASL_USERNAME.name(), user, protocol);
            requiredWith(s, RtkvSettings.KAFKA_SASL_PASSWORD.name(), password, protocol);
            security.put("sasl.mechanism", mechanism);
            security.put("sasl.jaas.config", jaas(mechanism, user == null ? "" : user, password == null ? "" : password));
            description += " " + mechanism + " as " + user;
        } else {
            ignoredWith(s, protocol, RtkvSettings.KAFKA_SASL_MECHANISM.name(), s.isSet(RtkvSettings.KAFKA_SASL_MECHANISM));
            ignoredWith(s, protocol, RtkvSettings.KAFKA_SASL_USERNAME.name(), s.isSet(RtkvSettings.KAFKA_SASL_USERNAME));
            ignoredWith(s, protocol, RtkvSettings.KAFKA_SASL_PASSWORD.name(), s.isSet(RtkvSettings.KAFKA_SASL_PASSWORD));
        }
        Path ca = s.get(RtkvSettings.KAFKA_TLS_CA_FILE);
        Path cert = s.get(RtkvSettings.KAFKA_TLS_CERT_FILE);
        Path key = s.get(RtkvSettings.KAFKA_TLS_KEY_FILE);
        if (tls) {
            if (ca != null) {
                checked(s, () -> Pem.certificates(ca));
                security.put("ssl.truststore.type", "PEM");
                security.put("ssl.truststore.location", ca.toString());
            }
            if ((cert == null) != (key == null)) {
                s.problem("RTKV_KAFKA_TLS_CERT_FILE and RTKV_KAFKA_TLS_KEY_FILE go together: set both for mutual TLS, "
                        + "or neither");
            } else if (cert != null) {
                // The key store's texts, not its files: Kafka's PEM key store takes a file only when the key
                // and the chain are in the same one, and a Secret's keys are two files.
                security.put("ssl.keystore.type", "PEM");
                checked(s, () -> security.put("ssl.keystore.certificate.chain", Pem.certificateText(cert)));
                checked(s, () -> security.put("ssl.keystore.key", Pem.privateKeyText(key)));
                description += " with a client certificate";
            }
        } else {
            ignoredWith(s, protocol, RtkvSettings.KAFKA_TLS_CA_FILE.name(), ca != null);
            ignoredWith(s, protocol, RtkvSettings.KAFKA_TLS_CERT_FILE.name(), cert != null);
            ignoredWith(s, protocol, RtkvSettings.KAFKA_TLS_KEY_FILE.name(), key != null);
        }
        return new KafkaLink(bootstrap, description, security);
    }

    /** A plaintext link to {@code bootstrap}, for tools and tests of an unsecured Kafka. */
    public static KafkaLink plaintext(String bootstrap) {
        return new KafkaLink(bootstrap, "PLAINTEXT", Map.of("security.protocol", "PLAINTEXT"));
    }

    private static void requiredWith(Settings s, String name, String value, String protocol) {
        if (value == null) {
            s.problem(name + " is required with RTKV_KAFKA_SECURITY_PROTOCOL=" + protocol);
        }
    }

    private static void ignoredWith(Settings s, String protocol, String name, boolean set) {
        if (set) {
            s.problem(name + " is set, but RTKV_KAFKA_SECURITY_PROTOCOL=" + protocol + " would never use it");
        }
    }

    private static void checked(Settings s, Runnable check) {
        try {
            check.run();
        } catch (IllegalArgumentException e) {
            s.problem(e.getMessage());
        }
    }

    /** The JAAS line of a SASL login, with the user and password quoted as Kafka's JAAS parser unquotes them. */
    public static String jaas(String mechanism, String user, String password) {
        String module = mechanism.equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
                : "org.apache.kafka.common.security.scram.ScramLoginModule";
        return module + " required username=\"" + quoted(user) + "\" password=\"" + quoted(password) + "\";";
    }

    private static String quoted(String text) {
        return text.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    public String bootstrap() {
        return bootstrap;
    }

    /** The security properties every client of this link takes (the password among them: never log them). */
    public Map<String, String> securityProperties() {
        return security;
    }

    /** A new client configuration: the bootstrap servers and the security; the caller adds its own. */
    public Properties clientProperties() {
        Properties properties = new Properties();
        properties.put("bootstrap.servers", bootstrap);
        properties.putAll(security);
        return properties;
    }

    /** The bootstrap servers and the protocol, never a secret. */
    @Override
    public String toString() {
        return bootstrap + " (" + description + ")";
    }
}
