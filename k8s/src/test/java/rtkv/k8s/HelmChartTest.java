package rtkv.k8s;

import static rtkv.k8s.Charts.CHART;
import static rtkv.k8s.Charts.count;
import static rtkv.k8s.Charts.get;
import static rtkv.k8s.Charts.render;
import static rtkv.k8s.Charts.template;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9: the chart renders and lints with a real Helm (helm-java bundles Helm's library) for its
 * default values and for values-production.yaml, and every object it renders is a Kubernetes API type
 * with no field the type does not have.
 */
class HelmChartTest {

    private static final Path PRODUCTION = CHART.resolve("values-production.yaml");
    private static final YAMLMapper YAML = new YAMLMapper();

    @TempDir
    Path temp;

    @Test
    void theDefaultValuesRenderValidObjectsAndLintClean() throws IOException {
        List<HasMetadata> objects = render(template().withName("rtkv").withNamespace("rtkv"));
        assertEquals(1, count(objects, Deployment.class, "rtkv-relay-"), "one shard by default");
        assertEquals("ws://$(POD_IP):8081", get(objects, Deployment.class, "rtkv-fanout").getSpec().getTemplate().getSpec()
                .getContainers().get(0).getEnv().stream().filter(e -> e.getName().equals("RTKV_FANOUT_ADVERTISED_URL"))
                .findFirst().orElseThrow().getValue());
        assertTrue(objects.stream().noneMatch(o -> o instanceof StatefulSet));
        assertTrue(objects.stream().noneMatch(o -> o instanceof Secret), "the Secret is the user's by default");
        assertTrue(objects.stream().noneMatch(o -> o instanceof ServiceMonitor || o instanceof Ingress));
        assertLintsClean(CHART);
    }

    @Test
    void theProductionValuesRenderValidObjectsAndLintClean() throws IOException {
        List<HasMetadata> objects = render(template().withName("rtkv").withNamespace("rtkv").withValuesFile(PRODUCTION));
        assertLintsClean(chartWithValues(PRODUCTION));

        // With public names for its pods, the fanout tier is a StatefulSet.
        Map<String, PodTemplateSpec> pods = Map.of(
                "api", get(objects, Deployment.class, "rtkv-api").getSpec().getTemplate(),
                "fanout", get(objects, StatefulSet.class, "rtkv-fanout").getSpec().getTemplate());
        pods.forEach((component, pod) -> {
            Container container = pod.getSpec().getContainers().get(0);
            assertNotNull(container.getReadinessProbe(), component);
            assertNotNull(container.getLivenessProbe(), component);
            assertNotNull(container.getResources().getRequests().get("cpu"), component);
            assertNotNull(get(objects, HorizontalPodAutoscaler.class, "rtkv-" + component));
            assertNotNull(get(objects, PodDisruptionBudget.class, "rtkv-" + component));
        });
        assertEquals("StatefulSet", get(objects, HorizontalPodAutoscaler.class, "rtkv-fanout").getSpec().getScaleTargetRef()
                .getKind());
        Container fanout = pods.get("fanout").getSpec().getContainers().get(0);
        assertEquals("/readyz", fanout.getReadinessProbe().getHttpGet().getPath(), "a fanout node without partitions is not ready");
        assertNotNull(fanout.getLifecycle().getPreStop());
        assertEquals("wss://$(POD_NAME).live.rtkv.example.com", fanout.getEnv().stream()
                .filter(e -> e.getName().equals("RTKV_FANOUT_ADVERTISED_URL")).findFirst().orElseThrow().getValue());
        // Node N's public name reaches node N alone, for every node the HPA may make.
        for (int node = 0; node < 47; node++) {
            String name = "rtkv-fanout-" + node;
            assertEquals(name, get(objects, Service.class, name).getSpec().getSelector().get("statefulset.kubernetes.io/pod-name"));
        }
        assertEquals(47, count(objects, Service.class, "rtkv-fanout-") - 1, "one per node, besides the pods' headless one");
        assertTrue(get(objects, Ingress.class, "rtkv").getSpec().getRules().stream()
                .anyMatch(rule -> rule.getHost().equals("rtkv-fanout-46.live.rtkv.example.com")
                        && rule.getHttp().getPaths().get(0).getBackend().getService().getName().equals("rtkv-fanout-46")));

        assertEquals(4, count(objects, Deployment.class, "rtkv-relay-"), "a relay Deployment per shard");
        for (int shard = 0; shard < 4; shard++) {
            Deployment relay = get(objects, Deployment.class, "rtkv-relay-" + shard);
            assertEquals(2, relay.getSpec().getReplicas(), "an active relay and a standby");
            Map<String, String> env = env(relay);
            assertEquals(Integer.toString(shard), env.get("RTKV_SHARD_ID"));
            assertEquals("mysql-" + shard + ".mysql.databases.svc.cluster.local", env.get("RTKV_DB_HOST"));
            assertEquals("rtkv-kafka-bootstrap.kafka.svc.cluster.local:9093", env.get("RTKV_KAFKA_BOOTSTRAP"));
            assertEquals("SSL", env.get("RTKV_KAFKA_SECURITY_PROTOCOL"));
            assertEquals("verify-full", env.get("RTKV_DB_TLS_MODE"), "the binlog stream too");
            assertEquals(0, relay.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal());
            assertEquals(1, get(objects, PodDisruptionBudget.class, "rtkv-relay-" + shard).getSpec().getMaxUnavailable()
                    .getIntVal(), "a drain leaves the shard a relay");
        }
        Map<String, String> api = env(get(objects, Deployment.class, "rtkv-api"));
        assertEquals(4, api.get("RTKV_SHARDS").split(",").length);
        assertTrue(api.get("RTKV_SHARDS").startsWith("jdbc:mariadb://mysql-0.mysql.databases.svc.cluster.local:3306/rtkv,"),
                api.get("RTKV_SHARDS"));
        assertEquals("verify-full", api.get("RTKV_DB_TLS_MODE"));
        assertEquals("0-1023:0,1024-2047:1,2048-3071:2,3072-4095:3", api.get("RTKV_SHARD_MAP"));

        ServiceMonitor monitor = get(objects, ServiceMonitor.class, "rtkv");
        assertEquals("/metrics", monitor.getSpec().getEndpoints().get(0).getPath());
        assertEquals("kube-prometheus-stack", monitor.getMetadata().getLabels().get("release"));
        assertTrue(monitor.getSpec().getEndpoints().get(0).getHonorLabels(), "the services' own label service stays");
        assertEquals(List.of("rtkv-api", "rtkv-fanout", "rtkv-relays"), objects.stream().filter(Service.class::isInstance)
                .filter(o -> monitor.getSpec().getSelector().getMatchLabels().entrySet().stream()
                        .allMatch(l -> l.getValue().equals(o.getMetadata().getLabels().get(l.getKey()))))
                .map(o -> o.getMetadata().getName()).sorted().toList(), "each pod scraped through one Service");
        assertDashboardUsesOnlyRtkvMetrics(get(objects, ConfigMap.class, "rtkv-dashboard"));
        assertEquals(2 + 47, get(objects, Ingress.class, "rtkv").getSpec().getRules().size(), "API, fanout, a host per node");
    }

    @Test
    void secretsGivenInTheValuesBecomeTheChartsSecret() throws IOException {
        List<HasMetadata> objects = render(template().withName("rtkv").withNamespace("rtkv")
                .set("secrets.existingSecret", "")
                .set("secrets.adminKey", "k".repeat(40))
                .set("secrets.appPassword", "app")
                .set("secrets.readerPassword", "reader")
                .set("secrets.cdcPassword", "cdc"));
        Secret secret = get(objects, Secret.class, "rtkv-secrets");
        assertEquals(Set.of("admin-key", "app-password", "reader-password", "cdc-password"), secret.getStringData().keySet());
        EnvVar password = get(objects, Deployment.class, "rtkv-api").getSpec().getTemplate().getSpec().getContainers().get(0)
                .getEnv().stream().filter(e -> e.getName().equals("RTKV_DB_PASSWORD")).findFirst().orElseThrow();
        assertEquals("rtkv-secrets", password.getValueFrom().getSecretKeyRef().getName());
        assertEquals("app-password", password.getValueFrom().getSecretKeyRef().getKey());
    }

    @Test
    void incompleteValuesAreRefusedWithEveryProblemListed() {
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> template()
                .withName("rtkv").set("secrets.existingSecret", "").set("secrets.adminKey", "short")
                .set("kafka.bootstrapServers", "").set("fanout.autoscaling.maxReplicas", 12)
                .set("fanout.publicPods.domain", "live.example.com").call());
        String message = refused.getMessage();
        for (String problem : List.of("secrets.adminKey: at least 32 characters", "secrets.appPassword is required",
                "secrets.readerPassword is required", "secrets.cdcPassword is required", "kafka.bootstrapServers is required",
                "fanout nodes: at most 12, fewer than kafka.partitions (12)",
                "fanout.publicPods.domain needs ingress.enabled")) {
            assertTrue(message.contains(problem), message);
        }
    }



    private static void assertLintsClean(Path chart) {
        LintResult lint = new Helm(chart).lint().strict().call();
        assertFalse(lint.isFailed(), String.join("\n", lint.getMessages()));
        assertTrue(lint.getMessages().stream().noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]")),
                String.join("\n", lint.getMessages()));
    }

    /**
     * Helm lints a chart with its own values.yaml only: a copy of the chart whose values.yaml is the
     * defaults with {@code values} merged in, as Helm merges a values file (maps key by key, the rest replaced).
     */
    @SuppressWarnings("unchecked")
    private Path chartWithValues(Path values) throws IOException {
        Path copy = Charts.copy(temp, yaml -> yaml);
        Map<String, Object> merged = merge(YAML.readValue(CHART.resolve("values.yaml").toFile(), Map.class),
                YAML.readValue(values.toFile(), Map.class));
        YAML.writeValue(copy.resolve("values.yaml").toFile(), merged);
        return copy;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> merge(Map<String, Object> base, Map<String, Object> override) {
        Map<String, Object> merged = new LinkedHashMap<>(base);
        override.forEach((key, value) -> merged.merge(key, value, (was, now) -> was instanceof Map && now instanceof Map
                ? merge((Map<String, Object>) was, (Map<String, Object>) now) : now));
        return merged;
    }



    private static Map<String, String> env(Deployment deployment) {
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvVar var : deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()) {
            assertFalse(env.containsKey(var.getName()), "set twice: " + var.getName());
            env.put(var.getName(), var.getValue());
        }
        return env;
    }

    /** Each rtkv metric the dashboard asks for is one the services publish (MetricsIT scrapes them). */
    private static void assertDashboardUsesOnlyRtkvMetrics(ConfigMap dashboard) throws IOException {
        JsonNode json = new ObjectMapper().readTree(dashboard.getData().get("rtkv.json"));
        Set<String> used = new TreeSet<>();
        Matcher m = Pattern.compile("\\b(rtkv_[a-z_]+)").matcher(json.toString());
        while (m.find()) {
            used.add(m.group(1).replaceAll("_(bucket|count|sum)$", ""));
        }
        assertEquals(new TreeSet<>(HelmChartHardeningTest.PUBLISHED), used, "the dashboard's metrics");
        assertTrue(json.get("panels").size() >= 8);
    }
}
