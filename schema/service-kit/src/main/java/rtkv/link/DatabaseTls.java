package rtkv.link;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import rtkv.config.RtkvSettings;
import rtkv.config.Settings;

/**
 * TLS on every connection a service opens to a shard, in MariaDB Connector/J's terms (which Debezium's
 * MariaDB connector shares): {@code disable}, {@code trust} (encrypted, the server unchecked),
 * {@code verify-ca}, or {@code verify-full} (the CA and the host name).
 *
 * @param mode   RTKV_DB_TLS_MODE
 * @param caFile RTKV_DB_TLS_CA_FILE, or null for the JVM's own trusted CAs
 */
public record DatabaseTls(String mode, Path caFile) {

    public static final DatabaseTls DISABLED = new DatabaseTls("disable", null);

    /** Reads RTKV_DB_TLS_MODE and RTKV_DB_TLS_CA_FILE; problems are recorded in {@code s}. */
    public static DatabaseTls from(Settings s) {
        String mode = s.get(RtkvSettings.DB_TLS_MODE);
        Path ca = s.get(RtkvSettings.DB_TLS_CA_FILE);
        if (ca != null) {
            if (!mode.startsWith("verify-")) {
                s.problem("RTKV_DB_TLS_CA_FILE is set, but RTKV_DB_TLS_MODE=" + mode
                        + " checks no certificate; use verify-ca or verify-full");
            }
            try {
                Pem.certificates(ca);
            } catch (IllegalArgumentException e) {
                s.problem(e.getMessage());
            }
        }
        return new DatabaseTls(mode, ca);
    }

    /**
     * As {@link #from(Settings)}, for a service given the shards as JDBC URLs: TLS set in a URL as well
     * is a problem, since which of the two the driver obeys would be up to its merging rules.
     */
    public static DatabaseTls from(Settings s, List<String> shardUrls) {
        DatabaseTls tls = from(s);
        boolean inUrls = shardUrls.stream().anyMatch(url -> url.matches("(?i).*[?&](sslMode|serverSslCert)=.*"));
        if (inUrls && s.isSet(RtkvSettings.DB_TLS_MODE)) {
            s.problem("RTKV_SHARDS sets sslMode or serverSslCert in a URL, and RTKV_DB_TLS_MODE is set too: "
                    + "set TLS in one place");
        }
        return tls;
    }

    public boolean enabled() {
        return !mode.equals("disable");
    }

    /**
     * Connector/J's connection properties for this mode, added to a pool's or a connection's own; none
     * when disabled, so TLS asked for in a shard's JDBC URL (as before these settings) still applies.
     */
    public Map<String, String> jdbcProperties() {
        Map<String, String> properties = new LinkedHashMap<>();
        if (!enabled()) {
            return properties;
        }
        properties.put("sslMode", mode);
        if (caFile != null) {
            properties.put("serverSslCert", caFile.toString());
        }
        return properties;
    }

    /** The CA file's certificates, none without one; the file was checked at start-up, and is read again. */
    public List<X509Certificate> caCertificates() {
        return caFile == null ? List.of() : Pem.certificates(caFile);
    }

    /** The JDBC properties with a user and password, for a single connection. */
    public Properties connectionProperties(String user, String password) {
        Properties properties = new Properties();
        properties.putAll(jdbcProperties());
        properties.put("user", user);
        properties.put("password", password);
        return properties;
    }
}
