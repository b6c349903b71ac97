package rtkv.infra;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import rtkv.config.Service;
import rtkv.config.Settings;
import rtkv.link.DatabaseTls;
import rtkv.link.KafkaLink;

/**
 * The links of a local cluster secured as a managed Kafka and a managed MySQL would have them: brokers
 * that take SASL_SSL only, with SCRAM-SHA-512 users and client certificates required, and shards that
 * refuse any connection without TLS. One self-signed certificate (its own CA) serves every server and
 * every client; the services are given it as their CA and their Kafka client certificate.
 */
record SecuredLinks(SelfSignedTls tls, Secrets secrets) {

    static final String MECHANISM = "SCRAM-SHA-512";

    static SecuredLinks create(Path dataDir, Secrets secrets) {
        return new SecuredLinks(SelfSignedTls.create(dataDir.resolve("tls")), secrets);
    }

    /** The settings of a service's Kafka clients, as an operator would give them. */
    Map<String, String> kafkaEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("RTKV_KAFKA_SECURITY_PROTOCOL", "SASL_SSL");
        env.put("RTKV_KAFKA_SASL_MECHANISM", MECHANISM);
        env.put("RTKV_KAFKA_SASL_USERNAME", Secrets.KAFKA_USER);
        env.put("RTKV_KAFKA_SASL_PASSWORD", secrets.kafkaPassword());
        env.put("RTKV_KAFKA_TLS_CA_FILE", tls.certificate().toString());
        env.put("RTKV_KAFKA_TLS_CERT_FILE", tls.certificate().toString());
        env.put("RTKV_KAFKA_TLS_KEY_FILE", tls.privateKey().toString());
        return env;
    }

    /** The settings of a service's connections to the shards. */
    Map<String, String> databaseEnvironment() {
        return Map.of("RTKV_DB_TLS_MODE", databaseTls().mode(), "RTKV_DB_TLS_CA_FILE", tls.certificate().toString());
    }

    DatabaseTls databaseTls() {
        return new DatabaseTls("verify-full", tls.certificate());
    }

    /** The launcher's own Kafka clients connect as the services do, through the same settings. */
    KafkaLink kafkaLink(String bootstrap) {
        Map<String, String> env = new LinkedHashMap<>(kafkaEnvironment());
        env.put("RTKV_KAFKA_BOOTSTRAP", bootstrap);
        Settings settings = new Settings(Service.FANOUT_NODES, env);
        KafkaLink link = KafkaLink.from(settings);
        settings.validate();
        return link;
    }

    /** A broker's listener settings: SASL_SSL for clients and brokers, the controllers' quorum on loopback. */
    List<String> brokerProperties(int port, int controllerPort) {
        return List.of(
                "listeners=SASL_SSL://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=SASL_SSL://127.0.0.1:" + port,
                "inter.broker.listener.name=SASL_SSL",
                "listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT",
                "sasl.enabled.mechanisms=" + MECHANISM,
                "sasl.mechanism.inter.broker.protocol=" + MECHANISM,
                "listener.name.sasl_ssl." + MECHANISM.toLowerCase(java.util.Locale.ROOT) + ".sasl.jaas.config="
                        + KafkaLink.jaas(MECHANISM, Secrets.BROKER_USER, secrets.brokerPassword()),
                "ssl.keystore.type=PKCS12",
                "ssl.keystore.location=" + tls.keystore(),
                "ssl.keystore.password=" + tls.password(),
                "ssl.key.password=" + tls.password(),
                "ssl.truststore.type=PEM",
                "ssl.truststore.location=" + tls.certificate(),
                // On a SASL_SSL listener only the listener's own setting asks for client certificates (KIP-684).
                "listener.name.sasl_ssl.ssl.client.auth=required");
    }

    /** The users {@code kafka-storage format} writes into the cluster's first metadata (KIP-900). */
    List<String> scramUsers() {
        return List.of(
                "--add-scram", MECHANISM + "=[name=" + Secrets.BROKER_USER + ",password=" + secrets.brokerPassword() + "]",
                "--add-scram", MECHANISM + "=[name=" + Secrets.KAFKA_USER + ",password=" + secrets.kafkaPassword() + "]");
    }

    /** A shard's server options: TLS with the certificate, and no connection without it. */
    List<String> shardOptions() {
        return List.of("--ssl-cert=" + tls.certificate(), "--ssl-key=" + tls.privateKey(),
                "--require-secure-transport=ON");
    }

    @Override
    public String toString() {
        return "SecuredLinks[" + tls + "]";
    }
}
