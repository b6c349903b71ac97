package rtkv.k8s;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Reads rendered manifests as fabric8's Kubernetes API types, strictly. fabric8 keeps a field its type
 * does not have in the object's additionalProperties rather than failing, so every object reached is
 * asked for them: a misspelt or misplaced field is a problem here, as the API server would refuse it.
 */
final class KubernetesTypes {

    private KubernetesTypes() {
    }

    /** One document of the rendered YAML as its API type; a kind fabric8 does not know is a problem. */
    static HasMetadata read(String document, List<String> problems) {
        KubernetesResource resource = Serialization.unmarshal(document, KubernetesResource.class);
        if (resource instanceof GenericKubernetesResource generic) {
            problems.add(generic.getApiVersion() + " " + generic.getKind() + " " + generic.getMetadata().getName()
                    + ": not a known Kubernetes API type");
            return generic;
        }
        if (!(resource instanceof HasMetadata object)) {
            problems.add("not a Kubernetes object: " + document);
            return null;
        }
        unknownFields(object, object.getKind() + "/" + object.getMetadata().getName(), problems);
        return object;
    }

    private static void unknownFields(Object value, String path, List<String> problems) {
        if (value == null) {
            return;
        }
        if (value instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                unknownFields(item, path + "[" + i++ + "]", problems);
            }
            return;
        }
        if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> unknownFields(v, path + "." + k, problems));
            return;
        }
        if (!value.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method getter : value.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
                    || getter.getDeclaringClass() == Object.class || !getter.getName().startsWith("get")) {
                continue;
            }
            Object field = invoke(getter, value);
            if (getter.getName().equals("getAdditionalProperties")) {
                if (field instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    problems.add(path + ": unknown fields " + extra.keySet());
                }
            } else {
                String name = Character.toLowerCase(getter.getName().charAt(3)) + getter.getName().substring(4);
                unknownFields(field, path + "." + name, problems);
            }
        }
    }

    private static Object invoke(Method getter, Object target) {
        try {
            return getter.invoke(target);
        } catch (IllegalAccessException | InvocationTargetException e) {
            return null;
        }
    }

    /** The documents of a multi-document YAML stream, without empty ones. */
    static List<String> documents(String yaml) {
        List<String> documents = new ArrayList<>();
        for (String document : yaml.split("(?m)^---\\s*$")) {
            if (document.lines().anyMatch(line -> !line.isBlank() && !line.stripLeading().startsWith("#"))) {
                documents.add(document);
            }
        }
        return documents;
    }
}
