package rtkv.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static rtkv.k8s.Charts.get;
import static rtkv.k8s.Charts.render;
import static rtkv.k8s.Charts.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.Rule;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rtkv.config.RtkvSettings;
import rtkv.config.Service;

/** What a platform team checks before it lets the chart into a cluster (issue 23). */
class HelmChartHardeningTest {

    /** The metrics the services publish (MetricsIT scrapes each), as Prometheus names them. */
    static final Set<String> PUBLISHED = Set.of("rtkv_http_server_requests_seconds", "rtkv_relay_commit_to_kafka_seconds",
            "rtkv_relay_streaming", "rtkv_relay_gaps_total", "rtkv_fanout_consumer_lag_records",
            "rtkv_fanout_poll_lag_records_max", "rtkv_fanout_delivery_seconds", "rtkv_fanout_connections",
            "rtkv_fanout_subscribers", "rtkv_fanout_queue_drops_total", "rtkv_fanout_resyncs_total");

    @TempDir
    Path temp;

    /** Every optional part on: the production values with the policy, the alerts, the Job and the test pod. */
    private TemplateCommand everything() throws IOException {
        return Charts.template(Charts.withHooksAsObjects(temp)).withName("rtkv").withNamespace("rtkv").withValuesFile(Charts.CHART.resolve("values-production.yaml"))
                .set("networkPolicy.enabled", true).set("prometheusRule.enabled", true).set("schemaJob.enabled", true)
                .set("tests.enabled", true);
    }

    @Test
    void everyPodTheChartRendersMeetsTheRestrictedPodSecurityStandard() throws IOException {
        for (TemplateCommand command : List.of(template().withName("rtkv").withNamespace("rtkv"), everything())) {
            Map<String, PodSpec> pods = RestrictedPods.podSpecs(render(command));
            List<String> problems = new ArrayList<>();
            pods.forEach((name, pod) -> problems.addAll(RestrictedPods.problems(name, pod)));
            assertEquals(List.of(), problems);
            assertTrue(pods.size() >= 3, pods.keySet().toString());
        }
        assertTrue(RestrictedPods.podSpecs(render(everything())).keySet().containsAll(List.of("Job/rtkv-schema",
                "Pod/rtkv-test-ready", "Deployment/rtkv-api", "StatefulSet/rtkv-fanout", "Deployment/rtkv-relay-0")));
    }

    @Test
    void theRestrictedCheckFindsAPodThatBreaksIt() {
        List<HasMetadata> loose = render(template().withName("rtkv").withNamespace("rtkv")
                .set("securityContext.allowPrivilegeEscalation", true)
                .set("podSecurityContext.seccompProfile.type", "Unconfined")
                .set("securityContext.seccompProfile.type", "Unconfined")
                .set("securityContext.readOnlyRootFilesystem", false));
        PodSpec api = get(loose, Deployment.class, "rtkv-api").getSpec().getTemplate().getSpec();
        String problems = RestrictedPods.problems("api", api).toString();
        for (String expected : List.of("allowPrivilegeEscalation is not false", "seccomp profile is Unconfined",
                "no RuntimeDefault or Localhost seccomp profile", "the root filesystem is writable")) {
            assertTrue(problems.contains(expected), problems);
        }
        api.setAutomountServiceAccountToken(null);
        assertTrue(RestrictedPods.problems("api", api).toString().contains("mounts a service account token"));
    }

    @Test
    void podsRunAsTheirOwnAccountSpreadAndStartBeforeLivenessCounts() {
        List<HasMetadata> objects = render(template().withName("rtkv").withNamespace("rtkv"));
        ServiceAccount account = get(objects, ServiceAccount.class, "rtkv");
        assertEquals(Boolean.FALSE, account.getAutomountServiceAccountToken());
        PodSpec api = get(objects, Deployment.class, "rtkv-api").getSpec().getTemplate().getSpec();
        assertEquals("rtkv", api.getServiceAccountName());
        assertEquals(List.of("kubernetes.io/hostname", "topology.kubernetes.io/zone"), api.getTopologySpreadConstraints()
                .stream().map(c -> c.getTopologyKey()).toList());
        assertEquals("api-service", api.getTopologySpreadConstraints().get(0).getLabelSelector().getMatchLabels()
                .get("app.kubernetes.io/component"));
        Container container = api.getContainers().get(0);
        assertEquals("/healthz", container.getStartupProbe().getHttpGet().getPath());
        assertEquals(60, container.getStartupProbe().getFailureThreshold(), "120 s at one probe every 2 s");
        assertEquals(null, container.getLivenessProbe().getInitialDelaySeconds(), "the startupProbe holds liveness back");
    }

    @Test
    void trustedProxiesReachBothServicesThatClientsReach() {
        List<HasMetadata> objects = render(template().withName("rtkv").withNamespace("rtkv")
                .set("trustedProxies[0]", "10.0.0.0/8").set("trustedProxies[1]", "192.168.0.1"));
        for (String name : List.of("rtkv-api", "rtkv-fanout")) {
            assertEquals("10.0.0.0/8,192.168.0.1", get(objects, Deployment.class, name).getSpec().getTemplate().getSpec()
                    .getContainers().get(0).getEnv().stream().filter(e -> e.getName().equals("RTKV_TRUSTED_PROXIES"))
                    .findFirst().orElseThrow().getValue(), name);
        }
        assertThrows(IllegalStateException.class, () -> template().withName("rtkv").set("trustedProxies[0]", "ingress.local").call(),
                "a name is refused by the schema");
    }

    @Test
    void namesFollowTheOverrides() {
        List<HasMetadata> objects = render(template().withName("prod").withNamespace("rtkv").set("fullnameOverride", "kv"));
        assertEquals("kv-api", get(objects, Deployment.class, "kv-api").getMetadata().getName());
        List<HasMetadata> renamed = render(template().withName("prod").withNamespace("rtkv").set("nameOverride", "store"));
        Deployment api = get(renamed, Deployment.class, "prod-store-api");
        assertEquals("store", api.getSpec().getSelector().getMatchLabels().get("app.kubernetes.io/name"));
    }

    @Test
    void hooksRunTheSchemaJobBeforeInstallsAndUpgradesAndTheReadyCheckAsAHelmTest() throws IOException {
        List<HasMetadata> objects = render(everything());
        Job schema = get(objects, Job.class, "rtkv-schema");
        assertEquals("pre-install,pre-upgrade", Charts.hookAnnotations("schema-job.yaml").get("helm.sh/hook"));
        assertEquals("test", Charts.hookAnnotations("tests/ready.yaml").get("helm.sh/hook"));
        assertEquals("default", schema.getSpec().getTemplate().getSpec().getServiceAccountName(),
                "a pre-install hook runs before the chart's own account exists");
        List<String> command = schema.getSpec().getTemplate().getSpec().getContainers().get(0).getCommand();
        assertEquals("rtkv.api.SchemaMain", command.get(command.size() - 1));
        Pod test = get(objects, Pod.class, "rtkv-test-ready");
        assertTrue(test.getSpec().getContainers().get(0).getCommand().containsAll(List.of("rtkv.edge.ReadyCheck",
                "http://rtkv-api:8080/readyz", "http://rtkv-fanout:8081/readyz")));

        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> template().withName("rtkv")
                .set("schemaJob.enabled", true).set("secrets.existingSecret", "").set("secrets.adminKey", "k".repeat(40))
                .set("secrets.appPassword", "a").set("secrets.readerPassword", "r").set("secrets.cdcPassword", "c").call());
        assertTrue(refused.getMessage().contains("schemaJob needs secrets.existingSecret"), refused.getMessage());
    }

    @Test
    void theNetworkPolicyLetsInClientsOnTheServicePortsAndScrapersAlone() throws IOException {
        List<HasMetadata> objects = render(everything().set("networkPolicy.clients[0].namespaceSelector.matchLabels.edge", "true"));
        NetworkPolicy api = get(objects, NetworkPolicy.class, "rtkv-api");
        assertEquals(List.of("Ingress"), api.getSpec().getPolicyTypes());
        assertEquals(2, api.getSpec().getIngress().size(), "clients, and scrapers");
        assertEquals("true", api.getSpec().getIngress().get(0).getFrom().get(0).getNamespaceSelector().getMatchLabels().get("edge"));
        assertEquals("test", api.getSpec().getIngress().get(0).getFrom().get(1).getPodSelector().getMatchLabels()
                .get("app.kubernetes.io/component"), "helm test's pod still reaches /readyz");
        NetworkPolicy relay = get(objects, NetworkPolicy.class, "rtkv-relay");
        assertEquals(1, relay.getSpec().getIngress().size(), "a relay takes scrapes and nothing else");
        assertEquals("monitoring", relay.getSpec().getIngress().get(0).getFrom().get(0).getNamespaceSelector().getMatchLabels()
                .get("kubernetes.io/metadata.name"));
    }

    @Test
    void everyAlertAsksForMetricsTheServicesPublish() throws IOException {
        PrometheusRule rules = get(render(everything()), PrometheusRule.class, "rtkv");
        Set<String> alerts = new TreeSet<>();
        Set<String> used = new TreeSet<>();
        for (Rule rule : rules.getSpec().getGroups().get(0).getRules()) {
            alerts.add(rule.getAlert());
            String expression = rule.getExpr().getStrVal();
            assertTrue(expression.contains("namespace=\"rtkv\""), "each alert is about this release's namespace: " + expression);
            Matcher m = Pattern.compile("\\b(rtkv_[a-z_]+)").matcher(expression);
            while (m.find()) {
                used.add(m.group(1).replaceAll("_(bucket|count|sum)$", ""));
            }
        }
        assertEquals(Set.of("RtkvChangeGap", "RtkvFanoutBacklog", "RtkvRelayLag", "RtkvRelayNotStreaming", "RtkvRelaysAbsent",
                "RtkvResyncRate", "RtkvServerErrors"), alerts);
        assertTrue(PUBLISHED.containsAll(used), "every metric an alert names is published: " + used);
        assertFalse(used.isEmpty());
    }

    @Test
    void eachComponentsEnvTakesOnlyTheSettingsItReads() throws IOException {
        JsonNode schema = new ObjectMapper().readTree(Charts.CHART.resolve("values.schema.json").toFile());
        Map.of("api", Service.API_SERVICE, "fanout", Service.FANOUT_NODES, "relay", Service.CDC_RELAY).forEach((component, service) -> {
            Set<String> allowed = new TreeSet<>();
            schema.at("/properties/" + component + "/properties/env/propertyNames/enum").forEach(name -> allowed.add(name.asText()));
            Set<String> read = new TreeSet<>();
            RtkvSettings.all().stream().filter(setting -> setting.readers().contains(service)).forEach(setting -> read.add(setting.name()));
            assertEquals(read, allowed, component + ".env in values.schema.json against RtkvSettings");
        });
        IllegalStateException typo = assertThrows(IllegalStateException.class,
                () -> template().withName("rtkv").set("api.env.RTKV_DB_POOLSIZE", 8).call());
        assertTrue(typo.getMessage().contains("RTKV_DB_POOLSIZE"), typo.getMessage());
        render(template().withName("rtkv").withNamespace("rtkv").set("api.env.RTKV_DB_POOL_SIZE", 8));
    }

    @Test
    void theValuesSchemaRefusesWrongValuesBeforeAnythingRenders() {
        Map<String, Object> wrong = Map.of("api.port", 0, "fanout.replicas", "two", "apii.port", 8080,
                "prometheusRule.serverErrorRatio", 2, "image.pullPolicy", "Sometimes");
        wrong.forEach((key, value) -> {
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                    () -> template().withName("rtkv").set(key, value).call(), key);
            assertTrue(refused.getMessage().contains("values don't meet the specifications of the schema"),
                    key + ": " + refused.getMessage());
        });
    }
}
