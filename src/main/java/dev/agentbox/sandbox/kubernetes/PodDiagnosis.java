package dev.agentbox.sandbox.kubernetes;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * Says in one sentence why a sandbox pod is not ready, or why the cluster refused it, from what the API server
 * reports: the pod's phase, conditions and container states, its workspace claim, and recent events. The words are
 * for the agent and the operator: what is wrong and what would fix it.
 */
final class PodDiagnosis {

    private static final List<String> IMAGE_REASONS = List.of("ErrImagePull", "ImagePullBackOff", "InvalidImageName",
            "ErrImageNeverPull", "RegistryUnavailable");
    private static final List<String> START_REASONS = List.of("CreateContainerConfigError", "CreateContainerError",
            "RunContainerError", "CrashLoopBackOff", "ContainerCannotRun");

    private PodDiagnosis() {
    }

    /**
     * @param pod the pod as last seen, or {@code null} when it is gone
     * @param claim its workspace claim, or {@code null} when unknown
     * @param events recent events about the pod and the claim, any order
     * @param image the configured sandbox image
     * @param runtimeClass the configured runtime class
     * @return why the pod is not ready
     */
    static String explain(Pod pod, PersistentVolumeClaim claim, List<Event> events, String image, String runtimeClass) {
        if (pod == null) {
            return "its pod was deleted before it became ready";
        }
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            return "its pod is being deleted";
        }
        Optional<String> containers = containers(pod, image);
        if ("Failed".equals(phase) || "Succeeded".equals(phase)) {
            String reason = pod.getStatus().getReason();
            String message = pod.getStatus().getMessage();
            if ("Evicted".equals(reason)) {
                return "its pod was evicted: " + orElse(message, "the node ran short of resources");
            }
            return containers.orElse("its pod stopped (" + orElse(reason, phase) + (message == null ? ""
                    : ": "
                            + message)
                    + ")");
        }
        if (containers.isPresent()) {
            return containers.get();
        }
        List<Event> recent = newestFirst(events);
        Optional<PodCondition> unscheduled = condition(pod, "PodScheduled").filter(c -> "False".equals(c.getStatus()));
        String claimPhase = claim == null || claim.getStatus() == null ? null : claim.getStatus().getPhase();
        if (claim != null && !"Bound".equals(claimPhase) && (unscheduled.isPresent() || claimPhase != null)) {
            String why = recent.stream().filter(e -> about(e, claim.getMetadata().getName())
                    && !"Normal".equals(e.getType())).map(Event::getMessage).findFirst()
                    .orElse(unscheduled.map(PodCondition::getMessage).orElse("no volume was provisioned for it"));
            return "its workspace volume (claim " + claim.getMetadata().getName() + ") is not bound: " + why;
        }
        if (unscheduled.isPresent()) {
            return "it cannot be scheduled: " + orElse(unscheduled.get().getMessage(),
                    orElse(unscheduled.get().getReason(), "no node fits it"));
        }
        for (Event event : recent) {
            String reason = orElse(event.getReason(), "");
            String message = orElse(event.getMessage(), "");
            if (reason.equals("FailedCreatePodSandBox") || message.toLowerCase(Locale.ROOT).contains("runtimeclass")
                    || message.contains("runtime handler")) {
                return "the node cannot start it with runtime class '" + runtimeClass + "': " + message;
            }
            if (reason.equals("FailedMount") || reason.equals("FailedAttachVolume")) {
                return "its workspace volume cannot be mounted: " + message;
            }
        }
        List<String> waiting = new ArrayList<>();
        if (pod.getStatus() != null && pod.getStatus().getConditions() != null) {
            for (PodCondition condition : pod.getStatus().getConditions()) {
                if (!"True".equals(condition.getStatus())) {
                    waiting.add(condition.getType() + (condition.getReason() == null ? ""
                            : " (" + condition.getReason()
                                    + ")"));
                }
            }
        }
        return "its pod is still " + orElse(phase, "Pending") + (waiting.isEmpty() ? ""
                : ", not yet "
                        + String.join(", ", waiting))
                + recent.stream().findFirst().map(e -> "; last event: " + e.getReason()
                        + ": " + e.getMessage()).orElse("");
    }

    /** What the containers' states say: an image that cannot be pulled, a container that cannot start. */
    private static Optional<String> containers(Pod pod, String image) {
        if (pod.getStatus() == null) {
            return Optional.empty();
        }
        List<ContainerStatus> statuses = new ArrayList<>();
        if (pod.getStatus().getInitContainerStatuses() != null) {
            statuses.addAll(pod.getStatus().getInitContainerStatuses());
        }
        if (pod.getStatus().getContainerStatuses() != null) {
            statuses.addAll(pod.getStatus().getContainerStatuses());
        }
        for (ContainerStatus status : statuses) {
            ContainerStateWaiting waiting = status.getState() == null ? null : status.getState().getWaiting();
            if (waiting != null && IMAGE_REASONS.contains(waiting.getReason())) {
                return Optional.of("the sandbox image " + image + " cannot be pulled (" + waiting.getReason()
                        + (waiting.getMessage() == null ? "" : ": " + waiting.getMessage()) + ")");
            }
            if (waiting != null && START_REASONS.contains(waiting.getReason())) {
                return Optional.of("its container " + status.getName() + " cannot start (" + waiting.getReason()
                        + (waiting.getMessage() == null ? "" : ": " + waiting.getMessage()) + ")");
            }
            ContainerStateTerminated ended = status.getState() == null ? null : status.getState().getTerminated();
            if (ended != null && ended.getExitCode() != null && ended.getExitCode() != 0) {
                String what = "prepare".equals(status.getName()) ? "its workspace preparation (init container "
                        + "prepare)" : "its container " + status.getName();
                return Optional.of(what + " failed with exit code " + ended.getExitCode()
                        + (ended.getMessage() == null ? "" : ": " + ended.getMessage().strip()));
            }
        }
        return Optional.empty();
    }

    /**
     * @return why the cluster refused to create a sandbox object, with what would fix it
     */
    static String refusal(KubernetesClientException e, String runtimeClass) {
        String message = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage()
                : PodCallException.describe(e);
        if (message.contains("exceeded quota")) {
            return "The namespace's resource quota does not allow another sandbox: " + message;
        }
        if (message.contains("RuntimeClass") || message.contains("runtimeclass")) {
            return "The runtime class '" + runtimeClass + "' does not exist in this cluster (" + message + "); enable "
                    + "GKE Sandbox on a node pool, install gVisor, or set agentbox.kubernetes.runtime-class.";
        }
        if (e.getCode() == 403 || e.getCode() == 401) {
            return "The server's service account may not manage sandboxes: " + message;
        }
        if (e.getCode() == 422 || e.getCode() == 400) {
            return "The cluster rejected the sandbox: " + message;
        }
        return "The Kubernetes API server cannot be reached or failed: " + message;
    }

    private static Optional<PodCondition> condition(Pod pod, String type) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return Optional.empty();
        }
        return pod.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    private static boolean about(Event event, String name) {
        return event.getInvolvedObject() != null && name.equals(event.getInvolvedObject().getName());
    }

    private static List<Event> newestFirst(List<Event> events) {
        return events.stream().sorted(Comparator.comparing(PodDiagnosis::when).reversed()).toList();
    }

    private static String when(Event event) {
        String at = event.getLastTimestamp() != null ? event.getLastTimestamp()
                : event.getEventTime() != null ? event.getEventTime().getTime()
                        : event.getMetadata() == null ? null : event.getMetadata().getCreationTimestamp();
        return at == null ? "" : at;
    }

    private static String orElse(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value;
    }
}
