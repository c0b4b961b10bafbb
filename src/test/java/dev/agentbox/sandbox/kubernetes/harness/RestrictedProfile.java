package dev.agentbox.sandbox.kubernetes.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;

/**
 * The checks of the Pod Security Standard "restricted" profile (as of Kubernetes 1.30), written from the published
 * standard, applied to a pod spec: what the API server's PodSecurity admission would refuse in a namespace that
 * enforces it. Used by the harness's admission and by the manifest tests.
 */
public final class RestrictedProfile {

    private static final Set<String> VOLUME_TYPES_ALLOWED = Set.of("configMap", "csi", "downwardAPI", "emptyDir",
            "ephemeral", "persistentVolumeClaim", "projected", "secret");

    private RestrictedProfile() {
    }

    /**
     * @return the violations, each a short phrase; empty when the spec passes
     */
    public static List<String> violations(PodSpec spec) {
        List<String> violations = new ArrayList<>();
        if (spec == null) {
            return List.of("no spec");
        }
        if (Boolean.TRUE.equals(spec.getHostNetwork()) || Boolean.TRUE.equals(spec.getHostPID())
                || Boolean.TRUE.equals(spec.getHostIPC())) {
            violations.add("host namespaces");
        }
        if (spec.getVolumes() != null) {
            for (Volume volume : spec.getVolumes()) {
                String type = volumeType(volume);
                if (!VOLUME_TYPES_ALLOWED.contains(type)) {
                    violations.add("restricted volume type " + type + " (" + volume.getName() + ")");
                }
            }
        }
        PodSecurityContext pod = spec.getSecurityContext();
        boolean podNonRoot = pod != null && Boolean.TRUE.equals(pod.getRunAsNonRoot());
        boolean podSeccomp = pod != null && seccompOk(pod.getSeccompProfile());
        if (pod != null && pod.getRunAsUser() != null && pod.getRunAsUser() == 0) {
            violations.add("runAsUser=0");
        }
        if (pod != null && pod.getSysctls() != null && !pod.getSysctls().isEmpty()) {
            violations.add("sysctls");
        }
        List<Container> containers = new ArrayList<>(spec.getContainers() == null ? List.of() : spec.getContainers());
        if (spec.getInitContainers() != null) {
            containers.addAll(spec.getInitContainers());
        }
        for (Container container : containers) {
            String name = container.getName();
            SecurityContext sc = container.getSecurityContext();
            if (sc == null || !Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation())) {
                violations.add("allowPrivilegeEscalation != false (container " + name + ")");
            }
            if (sc != null && Boolean.TRUE.equals(sc.getPrivileged())) {
                violations.add("privileged (container " + name + ")");
            }
            if (sc == null || sc.getCapabilities() == null || sc.getCapabilities().getDrop() == null
                    || !sc.getCapabilities().getDrop().contains("ALL")) {
                violations.add("unrestricted capabilities (container " + name + " must drop ALL)");
            }
            if (sc != null && sc.getCapabilities() != null && sc.getCapabilities().getAdd() != null
                    && sc.getCapabilities().getAdd().stream().anyMatch(c -> !"NET_BIND_SERVICE".equals(c))) {
                violations.add("added capabilities (container " + name + ")");
            }
            boolean nonRoot = podNonRoot || sc != null && Boolean.TRUE.equals(sc.getRunAsNonRoot());
            if (sc != null && Boolean.FALSE.equals(sc.getRunAsNonRoot())) {
                nonRoot = false;
            }
            if (!nonRoot) {
                violations.add("runAsNonRoot != true (container " + name + ")");
            }
            if (sc != null && sc.getRunAsUser() != null && sc.getRunAsUser() == 0) {
                violations.add("runAsUser=0 (container " + name + ")");
            }
            boolean seccomp = sc != null && sc.getSeccompProfile() != null ? seccompOk(sc.getSeccompProfile())
                    : podSeccomp;
            if (!seccomp) {
                violations.add("seccompProfile (container " + name + " must use RuntimeDefault or Localhost)");
            }
            if (container.getPorts() != null && container.getPorts().stream().anyMatch(p -> p.getHostPort() != null
                    && p.getHostPort() != 0)) {
                violations.add("hostPort (container " + name + ")");
            }
            if (sc != null && sc.getProcMount() != null && !"Default".equals(sc.getProcMount())) {
                violations.add("procMount (container " + name + ")");
            }
        }
        return violations;
    }

    private static boolean seccompOk(SeccompProfile profile) {
        return profile != null && ("RuntimeDefault".equals(profile.getType()) || "Localhost".equals(profile.getType()));
    }

    private static String volumeType(Volume volume) {
        if (volume.getConfigMap() != null) {
            return "configMap";
        }
        if (volume.getCsi() != null) {
            return "csi";
        }
        if (volume.getDownwardAPI() != null) {
            return "downwardAPI";
        }
        if (volume.getEmptyDir() != null) {
            return "emptyDir";
        }
        if (volume.getEphemeral() != null) {
            return "ephemeral";
        }
        if (volume.getPersistentVolumeClaim() != null) {
            return "persistentVolumeClaim";
        }
        if (volume.getProjected() != null) {
            return "projected";
        }
        if (volume.getSecret() != null) {
            return "secret";
        }
        if (volume.getHostPath() != null) {
            return "hostPath";
        }
        return "other";
    }
}
