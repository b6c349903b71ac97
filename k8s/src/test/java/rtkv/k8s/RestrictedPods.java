package rtkv.k8s;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The checks of Kubernetes' restricted Pod Security Standard (the "restricted" level of
 * kubernetes.io/docs/concepts/security/pod-security-standards, with those of "baseline" it includes),
 * plus what the chart promises beyond it: a read-only root filesystem and no service account token.
 */
final class RestrictedPods {

    /** Volume types the restricted level allows. */
    private static final Set<String> VOLUME_TYPES = Set.of("configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
            "persistentVolumeClaim", "projected", "secret");

    private RestrictedPods() {
    }

    /** Every pod spec among the objects, by the name of the object that holds it. */
    static Map<String, PodSpec> podSpecs(List<HasMetadata> objects) {
        Map<String, PodSpec> pods = new LinkedHashMap<>();
        for (HasMetadata object : objects) {
            String name = object.getKind() + "/" + object.getMetadata().getName();
            if (object instanceof Deployment d) {
                pods.put(name, d.getSpec().getTemplate().getSpec());
            } else if (object instanceof StatefulSet s) {
                pods.put(name, s.getSpec().getTemplate().getSpec());
            } else if (object instanceof Job j) {
                pods.put(name, j.getSpec().getTemplate().getSpec());
            } else if (object instanceof Pod p) {
                pods.put(name, p.getSpec());
            }
        }
        return pods;
    }

    /** What breaks the rules in one pod spec, empty when nothing does. */
    static List<String> problems(String name, PodSpec pod) {
        List<String> problems = new ArrayList<>();
        PodSecurityContext podContext = pod.getSecurityContext();
        if (Boolean.TRUE.equals(pod.getHostNetwork()) || Boolean.TRUE.equals(pod.getHostPID())
                || Boolean.TRUE.equals(pod.getHostIPC())) {
            problems.add(name + ": shares a host namespace");
        }
        if (!Boolean.FALSE.equals(pod.getAutomountServiceAccountToken())) {
            problems.add(name + ": mounts a service account token");
        }
        for (Volume volume : pod.getVolumes() == null ? List.<Volume>of() : pod.getVolumes()) {
            String type = volumeType(volume);
            if (!VOLUME_TYPES.contains(type)) {
                problems.add(name + ": volume " + volume.getName() + " is a " + type);
            }
        }
        boolean podNonRoot = podContext != null && Boolean.TRUE.equals(podContext.getRunAsNonRoot());
        boolean podSeccomp = podContext != null && allowedSeccomp(podContext.getSeccompProfile());
        if (podContext != null && podContext.getSeccompProfile() != null && !podSeccomp) {
            problems.add(name + ": the pod's seccomp profile is " + podContext.getSeccompProfile().getType());
        }
        if (podContext != null && Long.valueOf(0).equals(podContext.getRunAsUser())) {
            problems.add(name + ": the pod runs as user 0");
        }
        List<Container> containers = new ArrayList<>(pod.getContainers());
        if (pod.getInitContainers() != null) {
            containers.addAll(pod.getInitContainers());
        }
        for (Container container : containers) {
            problems.addAll(containerProblems(name + " container " + container.getName(), container, podNonRoot, podSeccomp));
        }
        return problems;
    }

    private static List<String> containerProblems(String where, Container container, boolean podNonRoot, boolean podSeccomp) {
        List<String> problems = new ArrayList<>();
        SecurityContext context = container.getSecurityContext() == null ? new SecurityContext() : container.getSecurityContext();
        if (Boolean.TRUE.equals(context.getPrivileged())) {
            problems.add(where + ": privileged");
        }
        if (!Boolean.FALSE.equals(context.getAllowPrivilegeEscalation())) {
            problems.add(where + ": allowPrivilegeEscalation is not false");
        }
        Capabilities capabilities = context.getCapabilities();
        if (capabilities == null || capabilities.getDrop() == null || !capabilities.getDrop().contains("ALL")) {
            problems.add(where + ": does not drop ALL capabilities");
        }
        if (capabilities != null && capabilities.getAdd() != null
                && !Set.of("NET_BIND_SERVICE").containsAll(capabilities.getAdd())) {
            problems.add(where + ": adds capabilities " + capabilities.getAdd());
        }
        boolean nonRoot = context.getRunAsNonRoot() == null ? podNonRoot : context.getRunAsNonRoot();
        if (!nonRoot) {
            problems.add(where + ": runAsNonRoot is not true");
        }
        if (Long.valueOf(0).equals(context.getRunAsUser())) {
            problems.add(where + ": runs as user 0");
        }
        boolean seccomp = context.getSeccompProfile() == null ? podSeccomp : allowedSeccomp(context.getSeccompProfile());
        if (!seccomp) {
            problems.add(where + ": no RuntimeDefault or Localhost seccomp profile");
        }
        if (!Boolean.TRUE.equals(context.getReadOnlyRootFilesystem())) {
            problems.add(where + ": the root filesystem is writable");
        }
        for (ContainerPort port : container.getPorts() == null ? List.<ContainerPort>of() : container.getPorts()) {
            if (port.getHostPort() != null && port.getHostPort() != 0) {
                problems.add(where + ": host port " + port.getHostPort());
            }
        }
        return problems;
    }

    private static boolean allowedSeccomp(SeccompProfile profile) {
        return profile != null && ("RuntimeDefault".equals(profile.getType()) || "Localhost".equals(profile.getType()));
    }

    private static String volumeType(Volume volume) {
        if (volume.getConfigMap() != null) {
            return "configMap";
        } else if (volume.getCsi() != null) {
            return "csi";
        } else if (volume.getDownwardAPI() != null) {
            return "downwardAPI";
        } else if (volume.getEmptyDir() != null) {
            return "emptyDir";
        } else if (volume.getEphemeral() != null) {
            return "ephemeral";
        } else if (volume.getPersistentVolumeClaim() != null) {
            return "persistentVolumeClaim";
        } else if (volume.getProjected() != null) {
            return "projected";
        } else if (volume.getSecret() != null) {
            return "secret";
        } else if (volume.getHostPath() != null) {
            return "hostPath";
        }
        return "volume of another type";
    }
}
