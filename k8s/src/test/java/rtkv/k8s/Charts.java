package rtkv.k8s;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/** The chart rendered with a real Helm (helm-java) and read as Kubernetes API types, for the chart's tests. */
final class Charts {

    static final Path CHART = Path.of("rtkv").toAbsolutePath();
    static final String KUBERNETES = "1.25.0";

    private Charts() {
    }

    /** Rendered for the oldest Kubernetes the chart supports (Chart.yaml's kubeVersion). */
    static TemplateCommand template() {
        return template(CHART);
    }

    static TemplateCommand template(Path chart) {
        return new Helm(chart).template().withKubeVersion(KUBERNETES);
    }

    /**
     * A copy of the chart in {@code dir} whose hooks (the schema Job, the helm test pod) render as plain
     * objects: helm-java's template answers the release's manifest, which holds no hooks. What each
     * template's hook annotations say is answered by {@link #hookAnnotations}.
     */
    static Path withHooksAsObjects(Path dir) throws IOException {
        return copy(dir, text -> text.replaceAll("(?m)^\\s*helm\\.sh/hook[a-z-]*:.*\\R", ""));
    }

    /** A copy of the chart in {@code dir}, each YAML file of it passed through {@code yaml}. */
    static Path copy(Path dir, UnaryOperator<String> yaml) throws IOException {
        Path copy = dir.resolve("rtkv");
        try (var files = Files.walk(CHART)) {
            for (Path file : files.toList()) {
                Path target = copy.resolve(CHART.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    String text = Files.readString(file);
                    Files.writeString(target, file.toString().endsWith(".yaml") ? yaml.apply(text) : text);
                }
            }
        }
        return copy;
    }

    /** The {@code helm.sh/hook*} annotations a template of the chart sets, as written. */
    static Map<String, String> hookAnnotations(String template) throws IOException {
        Map<String, String> hooks = new TreeMap<>();
        for (String line : Files.readAllLines(CHART.resolve("templates").resolve(template))) {
            String trimmed = line.strip();
            if (trimmed.startsWith("helm.sh/hook")) {
                int colon = trimmed.indexOf(':');
                hooks.put(trimmed.substring(0, colon), trimmed.substring(colon + 1).strip());
            }
        }
        return hooks;
    }

    /** Renders, and reads every object strictly; fails listing every problem found. */
    static List<HasMetadata> render(TemplateCommand command) {
        String rendered = command.call();
        List<String> problems = new ArrayList<>();
        List<HasMetadata> objects = new ArrayList<>();
        for (String document : KubernetesTypes.documents(rendered)) {
            HasMetadata object = KubernetesTypes.read(document, problems);
            if (object != null) {
                objects.add(object);
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems) + "\n" + rendered);
        assertFalse(objects.isEmpty());
        return objects;
    }

    static <T extends HasMetadata> T get(List<HasMetadata> objects, Class<T> type, String name) {
        return objects.stream().filter(type::isInstance).map(type::cast).filter(o -> o.getMetadata().getName().equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name + " rendered"));
    }

    static long count(List<HasMetadata> objects, Class<?> type, String namePrefix) {
        return objects.stream().filter(type::isInstance).filter(o -> o.getMetadata().getName().startsWith(namePrefix)).count();
    }
}
