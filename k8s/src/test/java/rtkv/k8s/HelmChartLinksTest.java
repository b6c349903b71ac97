package rtkv.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static rtkv.k8s.Charts.get;
import static rtkv.k8s.Charts.render;

import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 23: the links to a managed Kafka and a managed MySQL are secured from the user's Secrets. Each
 * component gets the RTKV_KAFKA_ and RTKV_DB_TLS_ settings it reads, the password from a Secret and the
 * PEM files from Secrets mounted read-only where the settings point, and nothing else; values that a
 * service would refuse are refused by the chart already.
 */
class HelmChartLinksTest {

    @TempDir
    Path temp;

    private TemplateCommand secured() throws IOException {
        return Charts.template(Charts.withHooksAsObjects(temp)).withName("rtkv").withNamespace("rtkv")
                .set("schemaJob.enabled", true)
                .set("kafka.security.protocol", "SASL_SSL")
                .set("kafka.security.sasl.username", "rtkv-user")
                .set("kafka.security.sasl.passwordSecret", "kafka-user")
                .set("kafka.security.tls.caSecret", "kafka-cluster-ca")
                .set("kafka.security.tls.clientSecret", "kafka-user")
                .set("databaseTls.mode", "verify-full")
                .set("databaseTls.caSecret", "mysql-ca");
    }

    @Test
    void everyComponentGetsTheLinksItUsesFromTheUsersSecrets() throws IOException {
        List<HasMetadata> objects = render(secured());
        Map<String, PodSpec> pods = Map.of(
                "relay", get(objects, Deployment.class, "rtkv-relay-0").getSpec().getTemplate().getSpec(),
                "fanout", get(objects, Deployment.class, "rtkv-fanout").getSpec().getTemplate().getSpec(),
                "api", get(objects, Deployment.class, "rtkv-api").getSpec().getTemplate().getSpec(),
                "schema", get(objects, Job.class, "rtkv-schema").getSpec().getTemplate().getSpec());
        for (String kafkaClient : List.of("relay", "fanout")) {
            PodSpec pod = pods.get(kafkaClient);
            Map<String, EnvVar> env = env(pod.getContainers().get(0));
            assertEquals("SASL_SSL", env.get("RTKV_KAFKA_SECURITY_PROTOCOL").getValue());
            assertEquals("SCRAM-SHA-512", env.get("RTKV_KAFKA_SASL_MECHANISM").getValue());
            assertEquals("rtkv-user", env.get("RTKV_KAFKA_SASL_USERNAME").getValue());
            var password = env.get("RTKV_KAFKA_SASL_PASSWORD").getValueFrom().getSecretKeyRef();
            assertEquals(List.of("kafka-user", "kafka-password"), List.of(password.getName(), password.getKey()));
            assertEquals("kafka-cluster-ca", secretAt(pod, env.get("RTKV_KAFKA_TLS_CA_FILE").getValue(), "ca.crt"));
            assertEquals("kafka-user", secretAt(pod, env.get("RTKV_KAFKA_TLS_CERT_FILE").getValue(), "user.crt"));
            assertEquals("kafka-user", secretAt(pod, env.get("RTKV_KAFKA_TLS_KEY_FILE").getValue(), "user.key"));
        }
        for (var entry : pods.entrySet()) {
            Map<String, EnvVar> env = env(entry.getValue().getContainers().get(0));
            assertEquals("verify-full", env.get("RTKV_DB_TLS_MODE").getValue(), entry.getKey());
            assertEquals("mysql-ca", secretAt(entry.getValue(), env.get("RTKV_DB_TLS_CA_FILE").getValue(), "ca.crt"));
        }
        for (String other : List.of("api", "schema")) {
            assertTrue(env(pods.get(other).getContainers().get(0)).keySet().stream().noneMatch(n -> n.startsWith("RTKV_KAFKA_")),
                    other + " has no Kafka client, and is given no Kafka secret");
            assertEquals(Set.of("tmp", "db-ca"), pods.get(other).getVolumes().stream().map(Volume::getName)
                    .collect(Collectors.toSet()), other);
        }
        List<String> problems = new ArrayList<>();
        RestrictedPods.podSpecs(objects).forEach((name, pod) -> problems.addAll(RestrictedPods.problems(name, pod)));
        assertEquals(List.of(), problems, "the Secrets' volumes keep every pod restricted");
    }

    @Test
    void byDefaultTheLinksArePlaintextAndNoSecretIsMounted() {
        List<HasMetadata> objects = render(Charts.template().withName("rtkv").withNamespace("rtkv"));
        PodSpec relay = get(objects, Deployment.class, "rtkv-relay-0").getSpec().getTemplate().getSpec();
        Map<String, EnvVar> env = env(relay.getContainers().get(0));
        assertEquals("PLAINTEXT", env.get("RTKV_KAFKA_SECURITY_PROTOCOL").getValue());
        assertFalse(env.containsKey("RTKV_DB_TLS_MODE"), "left to the default, so TLS in jdbcParameters still applies");
        assertFalse(env.containsKey("RTKV_KAFKA_SASL_PASSWORD"));
        assertEquals(List.of("tmp"), relay.getVolumes().stream().map(Volume::getName).toList());
    }

    @Test
    void linksTheServicesWouldRefuseAreRefusedAtInstallWithEveryProblemListed() {
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> Charts.template()
                .withName("rtkv").set("kafka.security.protocol", "SASL_SSL").set("secrets.existingSecret", "")
                .set("secrets.adminKey", "k".repeat(40)).set("secrets.appPassword", "a").set("secrets.readerPassword", "r")
                .set("secrets.cdcPassword", "c").set("databaseTls.caSecret", "mysql-ca").call());
        for (String problem : List.of("kafka.security.sasl.username is required with protocol SASL_SSL",
                "secrets.kafkaPassword is required with a SASL protocol",
                "databaseTls.caSecret is set, but mode disable checks no certificate")) {
            assertTrue(refused.getMessage().contains(problem), refused.getMessage());
        }
        IllegalStateException plaintextTls = assertThrows(IllegalStateException.class, () -> Charts.template()
                .withName("rtkv").set("kafka.security.tls.caSecret", "kafka-ca")
                .set("kafka.security.sasl.username", "rtkv").call());
        assertTrue(plaintextTls.getMessage().contains("kafka.security.tls is set, but protocol PLAINTEXT uses no TLS"),
                plaintextTls.getMessage());
        assertTrue(plaintextTls.getMessage().contains("kafka.security.sasl (or secrets.kafkaPassword) is set, but protocol"
                + " PLAINTEXT uses no SASL"), plaintextTls.getMessage());
        IllegalStateException twice = assertThrows(IllegalStateException.class, () -> Charts.template()
                .withName("rtkv").set("databaseTls.mode", "verify-ca").set("jdbcParameters", "sslMode=trust").call());
        assertTrue(twice.getMessage().contains("jdbcParameters sets sslMode or serverSslCert, and databaseTls.mode too"),
                twice.getMessage());
        IllegalStateException badMode = assertThrows(IllegalStateException.class, () -> Charts.template()
                .withName("rtkv").set("databaseTls.mode", "required").call());
        assertTrue(badMode.getMessage().contains("/databaseTls/mode"), badMode.getMessage());
    }

    private static Map<String, EnvVar> env(Container container) {
        Map<String, EnvVar> env = new TreeMap<>();
        container.getEnv().forEach(e -> env.put(e.getName(), e));
        return env;
    }

    /** The Secret mounted where {@code file} is, checking that the file is its key {@code key}. */
    private static String secretAt(PodSpec pod, String file, String key) {
        Path path = Path.of(file);
        VolumeMount mount = pod.getContainers().get(0).getVolumeMounts().stream()
                .filter(m -> Path.of(m.getMountPath()).equals(path.getParent())).findFirst()
                .orElseThrow(() -> new AssertionError("nothing is mounted at " + path.getParent()));
        assertTrue(mount.getReadOnly(), mount.getName() + " is read-only");
        assertEquals(key, path.getFileName().toString());
        return pod.getVolumes().stream().filter(v -> v.getName().equals(mount.getName())).findFirst().orElseThrow()
                .getSecret().getSecretName();
    }
}
