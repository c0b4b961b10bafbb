package dev.agentbox.sandbox.kubernetes.harness;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.function.UnaryOperator;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;

/**
 * Plays the kubelet, the scheduler and the volume controller for the mock API server: binds new claims, schedules
 * pods whose claims are bound, runs their init containers and starts their container ({@link Containers}), and
 * reports all of it in the pod's status as a cluster would (conditions, container states, phase). A deleted pod's
 * container is killed; a deleted claim's volume is deleted with it, as dynamic provisioning does by default (reclaim
 * policy Delete). Faults ({@link Faults}) leave claims unbound, pods unscheduled or images unpulled.
 * <p>
 * Differences from a cluster: deletion is immediate (the mock keeps no terminating pods, so grace periods are not
 * exercised), there is no image pull and no restart, and nothing is scheduled onto real nodes.
 */
final class FakeKubelet implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(FakeKubelet.class);

    private final KubernetesClient client;
    private final Containers containers;
    private final Faults faults;
    private final ExecutorService executor;
    private final Map<String, Pod> pods = new ConcurrentHashMap<>();
    private final Set<String> handled = ConcurrentHashMap.newKeySet();
    private final Set<String> waitingForClaims = ConcurrentHashMap.newKeySet();
    private final Set<String> started = ConcurrentHashMap.newKeySet();
    /** The address reported as every running pod's IP. */
    private volatile String podIp = KubeletHarness.DEFAULT_POD_IP;
    private final java.util.concurrent.ScheduledExecutorService retries = java.util.concurrent.Executors
            .newSingleThreadScheduledExecutor(r -> {
                Thread thread = new Thread(r, "kubelet-harness-retry");
                thread.setDaemon(true);
                return thread;
            });
    private final List<Watch> watches = new ArrayList<>();

    FakeKubelet(KubernetesClient client, Containers containers, Faults faults, ExecutorService executor) {
        this.client = client;
        this.containers = containers;
        this.faults = faults;
        this.executor = executor;
    }

    void start() {
        // As the scheduler does, pods waiting for their claims are tried again now and then, not only on claim events
        // (which may come between the check and the wait).
        retries.scheduleWithFixedDelay(this::retryWaiting, 500, 500, java.util.concurrent.TimeUnit.MILLISECONDS);
        watches.add(client.pods().inAnyNamespace().watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Pod pod) {
                String key = key(pod.getMetadata().getNamespace(), pod.getMetadata().getName());
                if (action == Action.DELETED) {
                    pods.remove(key);
                    handled.remove(pod.getMetadata().getUid());
                    waitingForClaims.remove(pod.getMetadata().getUid());
                    started.remove(pod.getMetadata().getUid());
                    executor.submit(() -> containers.stop(pod.getMetadata().getUid()));
                    return;
                }
                pods.put(key, pod);
                if (handled.add(pod.getMetadata().getUid())) {
                    executor.submit(() -> run(pod));
                }
            }

            @Override
            public void onClose(WatcherException cause) {
                LOG.debugf("Kubelet pod watch closed: %s", cause == null ? "" : cause.getMessage());
            }
        }));
        watches.add(client.persistentVolumeClaims().inAnyNamespace().watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, PersistentVolumeClaim claim) {
                if (action == Action.DELETED) {
                    // Done here, not on the executor: events come in order, so a new claim of the same name is bound,
                    // and its pods run, only after the old volume is gone.
                    containers.deleteClaim(claim.getMetadata().getName());
                    return;
                }
                String phase = claim.getStatus() == null ? null : claim.getStatus().getPhase();
                if (!"Bound".equals(phase) && !faults.claimNeverBinds(claim.getMetadata().getName())) {
                    executor.submit(() -> bind(claim));
                } else if ("Bound".equals(phase)) {
                    executor.submit(FakeKubelet.this::retryWaiting);
                }
            }

            @Override
            public void onClose(WatcherException cause) {
                LOG.debugf("Kubelet claim watch closed: %s", cause == null ? "" : cause.getMessage());
            }
        }));
    }

    /**
     * @return the pod as the kubelet last saw it, or {@code null}
     */
    Pod pod(String namespace, String name) {
        return pods.get(key(namespace, name));
    }

    private void bind(PersistentVolumeClaim claim) {
        try {
            client.persistentVolumeClaims().inNamespace(claim.getMetadata().getNamespace())
                    .withName(claim.getMetadata().getName()).editStatus(c -> {
                        Map<String, Quantity> capacity = c.getSpec().getResources() == null ? null
                                : c.getSpec().getResources().getRequests();
                        c.setStatus(new io.fabric8.kubernetes.api.model.PersistentVolumeClaimStatusBuilder()
                                .withPhase("Bound").withAccessModes(c.getSpec().getAccessModes())
                                .withCapacity(capacity).build());
                        return c;
                    });
        } catch (RuntimeException e) {
            LOG.debugf("Claim not bound: %s", e.getMessage());
        }
    }

    private void retryWaiting() {
        for (String uid : List.copyOf(waitingForClaims)) {
            pods.values().stream().filter(p -> uid.equals(p.getMetadata().getUid())).findFirst().ifPresent(p -> {
                // As a volume controller keeps trying: a claim whose event was missed (a watch that a fault of the
                // API server closed) is bound now.
                bindClaimsOf(p);
                if (waitingForClaims.remove(uid)) {
                    run(p);
                }
            });
        }
    }

    private void bindClaimsOf(Pod pod) {
        for (Volume volume : pod.getSpec().getVolumes()) {
            if (volume.getPersistentVolumeClaim() == null) {
                continue;
            }
            try {
                PersistentVolumeClaim claim = client.persistentVolumeClaims()
                        .inNamespace(pod.getMetadata().getNamespace())
                        .withName(volume.getPersistentVolumeClaim().getClaimName()).get();
                String phase = claim == null || claim.getStatus() == null ? null : claim.getStatus().getPhase();
                if (claim != null && !"Bound".equals(phase) && !faults.claimNeverBinds(claim.getMetadata().getName())) {
                    bind(claim);
                }
            } catch (RuntimeException e) {
                LOG.debugf("Claims of pod %s not looked at: %s", pod.getMetadata().getName(), e.getMessage());
            }
        }
    }

    /** Takes a new pod from Pending to Running (or leaves it Pending, or fails it), reporting each step. */
    private void run(Pod pod) {
        String now = Instant.now().toString();
        if (started.contains(pod.getMetadata().getUid())) {
            return;
        }
        try {
            if (faults.unschedulable() != null) {
                status(pod, s -> pending(List.of(condition("PodScheduled", "False", "Unschedulable",
                        faults.unschedulable(), now))));
                return;
            }
            if (!claimsBound(pod)) {
                waitingForClaims.add(pod.getMetadata().getUid());
                status(pod, s -> pending(List.of(condition("PodScheduled", "False", "Unschedulable", "0/1 nodes are "
                        + "available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/1 nodes are "
                        + "available: 1 Preemption is not helpful for scheduling.", now))));
                return;
            }
            if (faults.imagePullFailure() != null) {
                String image = pod.getSpec().getContainers().get(0).getImage();
                status(pod, s -> {
                    PodStatus pending = pending(List.of(condition("PodScheduled", "True", null, null, now),
                            condition("Initialized", "False", "ContainersNotInitialized", null, now)));
                    pending.setInitContainerStatuses(List.of(new ContainerStatusBuilder().withName(
                            pod.getSpec().getInitContainers().isEmpty() ? "sandbox"
                                    : pod.getSpec().getInitContainers().get(0).getName())
                            .withImage(image).withReady(false).withNewState().withNewWaiting()
                            .withReason("ErrImagePull").withMessage(faults.imagePullFailure()).endWaiting().endState()
                            .build()));
                    return pending;
                });
                return;
            }
            if (!started.add(pod.getMetadata().getUid())) {
                return;
            }
            List<ContainerStatus> inits = new ArrayList<>();
            for (Container init : pod.getSpec().getInitContainers()) {
                int exit = containers.runToEnd(pod, init, 60);
                inits.add(new ContainerStatusBuilder().withName(init.getName()).withImage(init.getImage())
                        .withReady(exit == 0).withNewState().withNewTerminated().withExitCode(exit)
                        .withReason(exit == 0 ? "Completed" : "Error").withFinishedAt(now).endTerminated().endState()
                        .build());
                if (exit != 0) {
                    status(pod, s -> new PodStatusBuilder().withPhase("Failed").withStartTime(now)
                            .withConditions(condition("PodScheduled", "True", null, null, now),
                                    condition("Initialized", "False", "ContainersNotInitialized", null, now))
                            .withInitContainerStatuses(inits).build());
                    return;
                }
            }
            Container main = pod.getSpec().getContainers().get(0);
            containers.start(pod, main);
            status(pod,
                    s -> new PodStatusBuilder().withPhase("Running").withStartTime(now)
                            .withPodIP(podIp)
                            .withConditions(condition("PodScheduled", "True", null, null, now),
                                    condition("Initialized", "True", null, null, now),
                                    condition("ContainersReady", "True", null, null, now),
                                    condition("Ready", "True", null, null, now))
                            .withInitContainerStatuses(inits)
                            .withContainerStatuses(new ContainerStatusBuilder().withName(main.getName())
                                    .withImage(main.getImage()).withReady(true).withStarted(true).withRestartCount(0)
                                    .withNewState().withNewRunning().withStartedAt(now).endRunning().endState().build())
                            .build());
        } catch (Exception e) {
            LOG.warnf(e, "The harness could not run pod %s", pod.getMetadata().getName());
            status(pod, s -> new PodStatusBuilder().withPhase("Failed").withReason("HarnessError")
                    .withMessage(String.valueOf(e.getMessage())).build());
        }
    }

    void podIp(String address) {
        podIp = address;
    }

    /** Binds every unbound claim of a namespace, unless a fault still holds it. */
    void bindAll(String namespace) {
        for (PersistentVolumeClaim claim : client.persistentVolumeClaims().inNamespace(namespace).list().getItems()) {
            String phase = claim.getStatus() == null ? null : claim.getStatus().getPhase();
            if (!"Bound".equals(phase) && !faults.claimNeverBinds(claim.getMetadata().getName())) {
                bind(claim);
            }
        }
    }

    /** Runs again every pod that is not running (or failed), as a kubelet retries image pulls and scheduling. */
    void retryPending() {
        for (Pod pod : List.copyOf(pods.values())) {
            String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
            if (phase == null || "Pending".equals(phase)) {
                waitingForClaims.remove(pod.getMetadata().getUid());
                executor.submit(() -> run(pod));
            }
        }
    }

    /** Evicts a pod as the kubelet does under node pressure: phase Failed, reason Evicted, container killed. */
    void evict(String namespace, String name, String message) {
        Pod pod = pod(namespace, name);
        if (pod == null) {
            throw new IllegalArgumentException("no pod " + name);
        }
        containers.stop(pod.getMetadata().getUid());
        status(pod, s -> new PodStatusBuilder(s).withPhase("Failed").withReason("Evicted").withMessage(message)
                .withConditions(condition("Ready", "False", "PodFailed", null, Instant.now().toString())).build());
    }

    private boolean claimsBound(Pod pod) {
        for (Volume volume : pod.getSpec().getVolumes()) {
            if (volume.getPersistentVolumeClaim() == null) {
                continue;
            }
            PersistentVolumeClaim claim = client.persistentVolumeClaims().inNamespace(pod.getMetadata().getNamespace())
                    .withName(volume.getPersistentVolumeClaim().getClaimName()).get();
            if (claim == null || claim.getStatus() == null || !"Bound".equals(claim.getStatus().getPhase())) {
                return false;
            }
        }
        return true;
    }

    private void status(Pod pod, UnaryOperator<PodStatus> change) {
        try {
            client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                    .editStatus(p -> {
                        if (!p.getMetadata().getUid().equals(pod.getMetadata().getUid())) {
                            return p;
                        }
                        p.setStatus(change.apply(p.getStatus() == null ? new PodStatus() : p.getStatus()));
                        return p;
                    });
        } catch (RuntimeException e) {
            LOG.debugf("Pod status not written (deleted meanwhile?): %s", e.getMessage());
        }
    }

    private static PodStatus pending(List<PodCondition> conditions) {
        return new PodStatusBuilder().withPhase("Pending").withConditions(conditions).build();
    }

    private static PodCondition condition(String type, String status, String reason, String message, String at) {
        return new PodConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
                .withLastTransitionTime(at).build();
    }

    private static String key(String namespace, String name) {
        return namespace + "/" + name;
    }

    @Override
    public void close() {
        retries.shutdownNow();
        watches.forEach(Watch::close);
    }
}
