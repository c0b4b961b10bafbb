package dev.agentbox.sandbox.kubernetes;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.agentbox.sandbox.SandboxSpec;
import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;

/**
 * The sandbox pod and its workspace claim, as the backend creates them. The pod meets the Pod Security Standard
 * "restricted" profile: it runs as a non-root user, with no privilege escalation, every capability dropped, the
 * runtime's default seccomp profile, a read-only root file system, no service account token, and no host
 * namespaces, ports or paths. It runs under the configured RuntimeClass (gVisor on GKE Sandbox).
 * <p>
 * Inside the pod: {@code /workspace}, {@code /home/agent}, the shell state ({@code /run/agentbox}) and the exec
 * records ({@code /var/lib/agentbox}) are sub-directories of the one workspace claim, so all of them outlive the pod;
 * {@code /tmp} is an emptyDir that goes with it.
 * <p>
 * A pod made with a reset mark ({@link PodLabels#RECORDS_RESET} on its claim, left by deleting the conversation
 * without its workspace) has its init container clear the exec records and the shell state before the sandbox starts,
 * once per mark: the mark is written next to the records, so a later pod on the same claim leaves them alone.
 */
final class PodTemplates {

    static final String CONTAINER = "sandbox";
    static final String WORKSPACE = "/workspace";
    static final String HOME = "/home/agent";
    static final String SHELL_STATE = "/run/agentbox";
    static final String RECORDS = "/var/lib/agentbox";
    static final String CLAIM_VOLUME = "workspace";
    static final String TMP_VOLUME = "tmp";
    /** Where the init container notes the last reset mark it acted on: beside the exec records, on the claim. */
    static final String RESET_STAMP = "/data/agentbox/records-reset";
    /** Sub-directories of the claim, made by the init container because the kubelet would make them root's. */
    static final Map<String, String> SUB_PATHS = Map.of("workspace", WORKSPACE, "home", HOME, "agentbox", RECORDS,
            "shell", SHELL_STATE);

    /** Where a restore's new workspace is extracted: a sub-directory of the claim, {@code /workspace} of its pod. */
    static final String RESTORE_WORKSPACE = "restore/workspace";
    /** Where a restore's extraction marks itself complete, and where its pod mounts that directory. */
    static final String RESTORE_OUTCOME = "restore/outcome";
    static final String RESTORE_OUTCOME_MOUNT = "/restore";
    /** The file whose presence in {@link #RESTORE_OUTCOME} says the new workspace is complete and flushed. */
    static final String RESTORE_COMPLETE = "complete";
    /** Where a partial restore's pod sees the current workspace, read-only. */
    static final String RESTORE_SOURCE = "/source";

    /**
     * The first step of every pod on a claim, sandbox or restore: puts a completely extracted restore in place of the
     * workspace, then removes what is left of restores. Each step is one rename, so a pod (or node) that dies at any
     * point leaves a state the next run finishes: until the new workspace is marked complete, nothing but the restore
     * directory is touched; once it is, the old workspace moves aside and the new one takes its name. Files made
     * read-only by the agent are made writable first, or they could not be removed.
     */
    static final String FINISH_RESTORE = """
            r=/data/restore
            if [ -e "$r/outcome/complete" ] && [ -d "$r/workspace" ]; then
                chmod -R u+rwX -- "$r/old" 2>/dev/null; rm -rf -- "$r/old"
                if [ -d /data/workspace ]; then mv -- /data/workspace "$r/old" || exit 1; fi
                mv -T -- "$r/workspace" /data/workspace || exit 1
            fi
            if [ -e "$r" ]; then chmod -R u+rwX -- "$r" 2>/dev/null; rm -rf -- "$r"; fi
            """;

    private static final long KI = 1024;
    private static final long MI = KI * 1024;
    private static final long GI = MI * 1024;

    private final KubernetesConfig config;

    PodTemplates(KubernetesConfig config) {
        this.config = config;
    }

    /**
     * @param name the claim's name
     * @param labels its labels
     * @param annotations its annotations
     * @return a claim for one conversation's workspace
     */
    PersistentVolumeClaim claim(String name, Map<String, String> labels, Map<String, String> annotations) {
        return new PersistentVolumeClaimBuilder()
                .withNewMetadata().withName(name).withLabels(labels).withAnnotations(annotations).endMetadata()
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withStorageClassName(config.storageClass().orElse(null))
                .withNewResources().addToRequests("storage", bytes(config.workspaceSize().asLongValue()))
                .endResources()
                .endSpec()
                .build();
    }

    /**
     * @param name the pod's name
     * @param claim the workspace claim it mounts
     * @param labels its labels
     * @param annotations its annotations
     * @param limits the sandbox's limits
     * @return a sandbox pod
     */
    Pod pod(String name, String claim, Map<String, String> labels, Map<String, String> annotations,
            SandboxSpec.Limits limits) {
        return pod(name, claim, labels, annotations, limits, null);
    }

    /**
     * @param recordsReset the claim's reset mark, or {@code null}: with one, the exec records and the shell state are
     *        cleared before the sandbox starts, unless a pod already did so for this mark
     * @return a sandbox pod, as {@link #pod(String, String, Map, Map, SandboxSpec.Limits)}
     */
    Pod pod(String name, String claim, Map<String, String> labels, Map<String, String> annotations,
            SandboxSpec.Limits limits, String recordsReset) {
        return new PodBuilder()
                .withNewMetadata().withName(name).withLabels(labels).withAnnotations(annotations)
                .addToAnnotations("kubectl.kubernetes.io/default-container", CONTAINER).endMetadata()
                .withNewSpec()
                .withRuntimeClassName("none".equals(config.runtimeClass()) ? null : config.runtimeClass())
                .withServiceAccountName(config.serviceAccount().orElse(null))
                .withAutomountServiceAccountToken(false)
                .withEnableServiceLinks(false)
                .withHostNetwork(false).withHostPID(false).withHostIPC(false)
                .withHostname("agentbox")
                .withRestartPolicy("Never")
                .withTerminationGracePeriodSeconds(Math.max(0, config.terminationGrace().toSeconds()))
                .withSecurityContext(new PodSecurityContextBuilder()
                        .withRunAsNonRoot(true)
                        .withRunAsUser(config.runAsUser()).withRunAsGroup(config.runAsUser())
                        .withFsGroup(config.runAsUser()).withFsGroupChangePolicy("OnRootMismatch")
                        .withSeccompProfile(runtimeDefault())
                        .build())
                .withInitContainers(prepare(recordsReset))
                .withContainers(sandbox(limits))
                .addToInitContainers(0, finishRestore(false))
                .addNewVolume().withName(CLAIM_VOLUME).withNewPersistentVolumeClaim().withClaimName(claim)
                .endPersistentVolumeClaim().endVolume()
                .addNewVolume().withName(TMP_VOLUME).withNewEmptyDir()
                .withSizeLimit(bytes(config.tmpSize().asLongValue())).endEmptyDir().endVolume()
                .endSpec()
                .build();
    }

    /**
     * @return the name of the workspace claim a sandbox pod mounts, or {@code null} when it mounts none
     */
    static String claimOf(Pod pod) {
        if (pod.getSpec() == null || pod.getSpec().getVolumes() == null) {
            return null;
        }
        return pod.getSpec().getVolumes().stream().filter(v -> CLAIM_VOLUME.equals(v.getName()))
                .filter(v -> v.getPersistentVolumeClaim() != null)
                .map(v -> v.getPersistentVolumeClaim().getClaimName()).findFirst().orElse(null);
    }

    /**
     * Makes the claim's sub-directories as the sandbox user before the sandbox container mounts them, and clears the
     * records and shell state for a reset mark not seen yet (passed as an argument, never spliced into the script).
     */
    private Container prepare(String recordsReset) {
        String dirs = SUB_PATHS.keySet().stream().sorted().map(d -> "/data/" + d).reduce((a, b) -> a + " " + b)
                .orElseThrow();
        String mkdirs = "mkdir -p " + dirs + " /data/agentbox/execs";
        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c"));
        if (recordsReset == null) {
            command.add(mkdirs);
        } else {
            // Directories the agent made unwritable are opened first, so that rm does not fail on them (find follows
            // no symlinks). The mark is written last: a pod that fails before that clears again, which is harmless.
            command.addAll(List.of("set -e; if [ \"$(cat " + RESET_STAMP + " 2>/dev/null)\" != \"$1\" ]; then "
                    + "find /data/agentbox/execs /data/shell -type d -exec chmod u+rwx {} + 2>/dev/null || true; "
                    + "rm -rf /data/agentbox/execs /data/shell; fi; " + mkdirs + "; printf %s \"$1\" > "
                    + RESET_STAMP, "prepare", recordsReset));
        }
        return new ContainerBuilder()
                .withName("prepare")
                .withImage(config.image())
                .withImagePullPolicy(config.imagePullPolicy())
                .withCommand(command)
                .withSecurityContext(restricted())
                .withResources(new ResourceRequirementsBuilder()
                        .addToRequests("cpu", new Quantity("50m")).addToRequests("memory", new Quantity("32Mi"))
                        .addToRequests("ephemeral-storage", new Quantity("16Mi"))
                        .addToLimits("cpu", new Quantity("200m")).addToLimits("memory", new Quantity("64Mi"))
                        .addToLimits("ephemeral-storage", new Quantity("16Mi"))
                        .build())
                .withVolumeMounts(mount(CLAIM_VOLUME, "/data", null))
                .build();
    }

    private Container sandbox(SandboxSpec.Limits limits) {
        ContainerBuilder container = new ContainerBuilder()
                .withName(CONTAINER)
                .withImage(config.image())
                .withImagePullPolicy(config.imagePullPolicy())
                .withWorkingDir(WORKSPACE)
                .withEnv(environment())
                .withSecurityContext(restricted())
                .withResources(resources(limits));
        SUB_PATHS.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> container
                .addToVolumeMounts(mount(CLAIM_VOLUME, e.getValue(), e.getKey())));
        container.addToVolumeMounts(mount(TMP_VOLUME, "/tmp", null));
        return container.build();
    }

    /**
     * A pod that extracts a restore into a new workspace: like the sandbox pod, but its container sees only the new,
     * empty workspace at {@code /workspace}, the directory where it marks the extraction complete, and, for a partial
     * restore, the current workspace read-only at {@value #RESTORE_SOURCE}; not the home directory, the shell state
     * or the exec records.
     *
     * @param withSource whether to mount the current workspace at {@value #RESTORE_SOURCE}
     */
    Pod restorePod(String name, String claim, Map<String, String> labels, Map<String, String> annotations,
            SandboxSpec.Limits limits, boolean withSource) {
        Pod pod = pod(name, claim, labels, annotations, limits);
        pod.getSpec().getInitContainers().set(0, finishRestore(true));
        List<VolumeMount> mounts = new ArrayList<>(List.of(mount(CLAIM_VOLUME, WORKSPACE, RESTORE_WORKSPACE),
                mount(CLAIM_VOLUME, RESTORE_OUTCOME_MOUNT, RESTORE_OUTCOME)));
        if (withSource) {
            mounts.add(new VolumeMountBuilder(mount(CLAIM_VOLUME, RESTORE_SOURCE, "workspace")).withReadOnly(true)
                    .build());
        }
        mounts.add(mount(TMP_VOLUME, "/tmp", null));
        pod.getSpec().getContainers().get(0).setVolumeMounts(mounts);
        return pod;
    }

    /**
     * The first init container of every pod on a claim ({@link #FINISH_RESTORE}); a restore pod's also makes the
     * empty new workspace and the directory of its mark.
     *
     * @param restore whether the pod is a restore's
     */
    private Container finishRestore(boolean restore) {
        String restoreDirs = restore ? "mkdir -p /data/" + RESTORE_WORKSPACE + " /data/" + RESTORE_OUTCOME + "\n" : "";
        return new ContainerBuilder()
                .withName("finish-restore")
                .withImage(config.image())
                .withImagePullPolicy(config.imagePullPolicy())
                .withCommand("/bin/sh", "-c", FINISH_RESTORE + restoreDirs)
                .withSecurityContext(restricted())
                .withResources(new ResourceRequirementsBuilder()
                        .addToRequests("cpu", new Quantity("50m")).addToRequests("memory", new Quantity("32Mi"))
                        .addToRequests("ephemeral-storage", new Quantity("16Mi"))
                        .addToLimits("cpu", new Quantity("500m")).addToLimits("memory", new Quantity("64Mi"))
                        .addToLimits("ephemeral-storage", new Quantity("16Mi"))
                        .build())
                .withVolumeMounts(mount(CLAIM_VOLUME, "/data", null))
                .build();
    }

    private ResourceRequirements resources(SandboxSpec.Limits limits) {
        long memoryRequest = Math.min(config.memoryRequest().asLongValue(), limits.memoryBytes());
        long cpuRequest = Math.min(Math.round(config.cpuRequest() * 1000), limits.cpuMillis());
        return new ResourceRequirementsBuilder()
                .addToRequests("cpu", new Quantity(Math.max(1, cpuRequest) + "m"))
                .addToRequests("memory", bytes(memoryRequest))
                .addToRequests("ephemeral-storage", bytes(config.ephemeralStorage().asLongValue()))
                .addToLimits("cpu", new Quantity(limits.cpuMillis() + "m"))
                .addToLimits("memory", bytes(limits.memoryBytes()))
                .addToLimits("ephemeral-storage", bytes(config.ephemeralStorage().asLongValue()))
                .build();
    }

    /**
     * @return the environment every exec starts from (the exec helper passes exactly this, plus the request's own)
     */
    static List<EnvVar> environment() {
        return baseEnvironment().entrySet().stream().map(e -> new EnvVar(e.getKey(), e.getValue(), null)).toList();
    }

    /**
     * @return the base environment of commands, as in the local backend
     */
    static Map<String, String> baseEnvironment() {
        Map<String, String> env = new java.util.LinkedHashMap<>();
        env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        env.put("HOME", HOME);
        env.put("USER", "agent");
        env.put("LOGNAME", "agent");
        env.put("SHELL", "/bin/bash");
        env.put("LANG", "C.UTF-8");
        env.put("TERM", "dumb");
        env.put("TMPDIR", "/tmp");
        return env;
    }

    private static VolumeMount mount(String volume, String path, String subPath) {
        return new VolumeMountBuilder().withName(volume).withMountPath(path).withSubPath(subPath).build();
    }

    private static SecurityContext restricted() {
        return new SecurityContextBuilder()
                .withAllowPrivilegeEscalation(false)
                .withPrivileged(false)
                .withReadOnlyRootFilesystem(true)
                .withRunAsNonRoot(true)
                .withCapabilities(new Capabilities(null, List.of("ALL")))
                .withSeccompProfile(runtimeDefault())
                .build();
    }

    private static SeccompProfile runtimeDefault() {
        return new SeccompProfile(null, "RuntimeDefault");
    }

    /** A byte count as a Kubernetes quantity, in the largest binary unit that divides it. */
    static Quantity bytes(long bytes) {
        if (bytes > 0 && bytes % GI == 0) {
            return new Quantity((bytes / GI) + "Gi");
        }
        if (bytes > 0 && bytes % MI == 0) {
            return new Quantity((bytes / MI) + "Mi");
        }
        if (bytes > 0 && bytes % KI == 0) {
            return new Quantity((bytes / KI) + "Ki");
        }
        return new Quantity(Long.toString(bytes));
    }
}
