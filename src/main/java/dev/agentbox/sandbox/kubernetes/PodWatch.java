package dev.agentbox.sandbox.kubernetes;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.readiness.Readiness;

/**
 * The sandbox pods of this installation as the API server last reported them, kept current by one watch (an
 * informer). Waiting for a pod to become ready, or to be gone, is a future completed by the watch's events, never
 * a polling loop; whether a sandbox is alive is a look into this cache and never blocks.
 */
final class PodWatch implements ResourceEventHandler<Pod> {

    private static final Logger LOG = Logger.getLogger(PodWatch.class);

    private final SharedIndexInformer<Pod> informer;
    private final String namespace;
    private final Map<String, List<Waiter>> waiters = new ConcurrentHashMap<>();

    /** Someone waiting for a condition on a pod. */
    private record Waiter(Predicate<Pod> done, String failOnEndOf, CompletableFuture<Pod> future) {
    }

    PodWatch(KubernetesClient client, String namespace, String installation) {
        this.namespace = namespace;
        this.informer = client.pods().inNamespace(namespace).withLabel(PodLabels.INSTALLATION, installation)
                .runnableInformer(0);
        informer.addEventHandler(this);
        // Keep retrying after failures (API server down at start, or a watch that cannot be re-established).
        informer.exceptionHandler((started, failure) -> {
            LOG.debugf("Pod watch failed, retrying [cause: %s]", failure.getMessage());
            return true;
        });
    }

    /**
     * Lets another handler see every pod event too (before {@link #start}, so that it also sees the first list).
     */
    void addHandler(ResourceEventHandler<Pod> handler) {
        informer.addEventHandler(handler);
    }

    /**
     * Starts watching; returns at once.
     *
     * @return completes once the first list has been taken
     */
    java.util.concurrent.CompletionStage<Void> start() {
        return informer.start();
    }

    void stop() {
        informer.stop();
    }

    /**
     * @return whether the watch has its initial list and is watching
     */
    boolean isWatching() {
        return informer.hasSynced() && informer.isWatching();
    }

    boolean hasSynced() {
        return informer.hasSynced();
    }

    /**
     * @return the pod as last seen, or empty when it does not exist (as far as the watch knows)
     */
    Optional<Pod> get(String name) {
        return Optional.ofNullable(informer.getStore().getByKey(namespace + "/" + name));
    }

    /**
     * @return every sandbox pod of this installation as last seen
     */
    List<Pod> all() {
        return informer.getStore().list();
    }

    /**
     * @return whether the pod with that name and uid exists, is not being deleted and runs
     */
    boolean isAlive(String name, String uid) {
        return get(name).filter(p -> uid.equals(p.getMetadata().getUid()))
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .filter(p -> "Running".equals(p.getStatus() == null ? null : p.getStatus().getPhase()))
                .isPresent();
    }

    /**
     * @return a future completed with the pod once it is ready, or exceptionally with {@link PodEndedException} when
     *         it fails or is deleted first; it never times out by itself
     */
    CompletableFuture<Pod> ready(String name, String uid) {
        return await(name, p -> p != null && uid.equals(p.getMetadata().getUid()) && isReady(p), uid);
    }

    /**
     * @return a future completed once no pod with that name and uid exists (or the given uid was replaced)
     */
    CompletableFuture<Pod> gone(String name, String uid) {
        return await(name, p -> p == null || !p.getMetadata().getUid().equals(uid), null);
    }

    private CompletableFuture<Pod> await(String name, Predicate<Pod> condition, String failOnEndOf) {
        CompletableFuture<Pod> future = new CompletableFuture<>();
        waiters.computeIfAbsent(name, n -> new CopyOnWriteArrayList<>()).add(new Waiter(condition, failOnEndOf,
                future));
        future.whenComplete((p, t) -> remove(name, future));
        Optional<Pod> now = get(name);
        check(name, now.orElse(null), now.isEmpty() ? null : false);
        return future;
    }

    private void remove(String name, CompletableFuture<Pod> future) {
        List<Waiter> list = waiters.get(name);
        if (list != null) {
            list.removeIf(w -> w.future() == future);
        }
    }

    /** Gives up every wait on a pod (for example when its creation failed). */
    void cancel(String name, Throwable why) {
        List<Waiter> list = waiters.remove(name);
        if (list != null) {
            list.forEach(w -> w.future().completeExceptionally(why));
        }
    }

    @Override
    public void onAdd(Pod pod) {
        check(pod.getMetadata().getName(), pod, false);
    }

    @Override
    public void onUpdate(Pod oldPod, Pod pod) {
        check(pod.getMetadata().getName(), pod, false);
    }

    @Override
    public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {
        check(pod.getMetadata().getName(), null, true);
        if (deletedFinalStateUnknown) {
            return;
        }
        // A deleted pod's uid: readiness waiters for exactly that pod fail.
        failWaitersOf(pod.getMetadata().getName(), pod.getMetadata().getUid(), pod);
    }

    /**
     * @param deleted {@code true} for a delete event, {@code false} for a pod seen, {@code null} when the pod has
     *        simply not been seen (yet)
     */
    private void check(String name, Pod pod, Boolean deleted) {
        List<Waiter> list = waiters.get(name);
        if (list == null) {
            return;
        }
        for (Waiter waiter : list) {
            if (Boolean.TRUE.equals(deleted) && waiter.failOnEndOf() != null) {
                continue;
            }
            if (waiter.done().test(pod)) {
                list.remove(waiter);
                waiter.future().complete(pod);
            } else if (waiter.failOnEndOf() != null && pod != null
                    && waiter.failOnEndOf().equals(pod.getMetadata().getUid()) && isTerminal(pod)) {
                // Waiting for readiness: a pod that has failed or is being deleted will not become ready.
                list.remove(waiter);
                waiter.future().completeExceptionally(new PodEndedException(name, pod));
            }
        }
    }

    private void failWaitersOf(String name, String uid, Pod last) {
        List<Waiter> list = waiters.get(name);
        if (list == null) {
            return;
        }
        for (Waiter waiter : list) {
            if (uid.equals(waiter.failOnEndOf())) {
                list.remove(waiter);
                waiter.future().completeExceptionally(new PodEndedException(name, last));
            }
        }
    }

    static boolean isReady(Pod pod) {
        return pod != null && pod.getMetadata().getDeletionTimestamp() == null && Readiness.isPodReady(pod);
    }

    static boolean isTerminal(Pod pod) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return "Failed".equals(phase) || "Succeeded".equals(phase) || pod.getMetadata().getDeletionTimestamp() != null;
    }

    /** A pod that was being waited for failed, finished or was deleted. */
    static final class PodEndedException extends RuntimeException {

        private final transient Pod pod;

        PodEndedException(String name, Pod pod) {
            super(pod == null ? "pod " + name + " was deleted" : "pod " + name + " ended");
            this.pod = pod;
        }

        /**
         * @return the pod's last state, or {@code null} when it was deleted
         */
        Pod pod() {
            return pod;
        }
    }
}
