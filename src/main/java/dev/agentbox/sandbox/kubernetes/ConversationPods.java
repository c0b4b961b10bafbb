package dev.agentbox.sandbox.kubernetes;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.agentbox.conversation.ConversationKey;
import dev.agentbox.sandbox.SandboxException;
import dev.agentbox.sandbox.SandboxSpec;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.smallrye.mutiny.Uni;

/**
 * Finds a conversation's pod, or makes it with its workspace claim, and waits until it is ready. Names are
 * deterministic and creation is create-if-absent, so concurrent first calls (on one replica or several) end up with
 * one pod and one claim; a pod that ended or is being deleted is removed first. Waiting goes through the watch, never
 * a polling loop; a pod that is not ready in time is explained in the cluster's words.
 */
final class ConversationPods {

    private static final Logger LOG = Logger.getLogger(ConversationPods.class);

    private final PodWatch watch;
    private final ClusterObjects cluster;
    private final PodTemplates templates;
    private final WarmPool warmPool;
    private final KubernetesConfig config;
    private final Clock clock;
    private final Executor worker;
    private final SandboxNetworkPolicies policies;
    private final ObjectMapper json;

    ConversationPods(PodWatch watch, ClusterObjects cluster, PodTemplates templates, WarmPool warmPool,
            KubernetesConfig config, Clock clock, Executor worker, SandboxNetworkPolicies policies, ObjectMapper json) {
        this.watch = watch;
        this.cluster = cluster;
        this.templates = templates;
        this.warmPool = warmPool;
        this.config = config;
        this.clock = clock;
        this.worker = worker;
        this.policies = policies;
        this.json = json;
    }

    /**
     * @return the conversation's pod once it is ready; fails with {@link SandboxException} (unavailable) and the
     *         reason when it cannot be made or does not get ready in time
     */
    Uni<Prepared> open(SandboxSpec spec) {
        return Uni.createFrom().item(() -> prepare(spec)).runSubscriptionOn(worker)
                .flatMap(prepared -> awaitReady(prepared, spec));
    }

    /** A pod on its way to ready, and whether this call created it. */
    record Prepared(Pod pod, boolean created) {
    }

    /**
     * @return the name of the conversation's workspace claim, made (with an empty workspace) when it has none; for a
     *         restore, which needs the claim but no sandbox. Blocking
     */
    String claimFor(ConversationKey conversation) {
        return ensureClaim(conversation).getMetadata().getName();
    }

    /**
     * Finds the conversation's pod, or makes it (and its claim) if it has none: create-if-absent with deterministic
     * names, so concurrent first calls on several replicas end up with one pod and one claim. Blocking.
     */
    private Prepared prepare(SandboxSpec spec) {
        ConversationKey conversation = spec.conversation();
        String id = conversation.id();
        try {
            Optional<Pod> current = conversationPod(id);
            if (current.isPresent() && !PodWatch.isTerminal(current.get())) {
                return new Prepared(current.get(), false);
            }
            current.ifPresent(this::removeEnded);
            policies.ensure(spec.egress());
            Optional<ClusterObjects.Made<Pod>> warm = warmPool.claim(conversation, spec.egress());
            if (warm.isPresent()) {
                return new Prepared(warm.get().object(), warm.get().created());
            }
            PersistentVolumeClaim claim = ensureClaim(conversation);
            String recordsReset = PodSandboxProvider.annotations(claim).get(PodLabels.RECORDS_RESET);
            Pod pod = templates.pod(PodLabels.podName(id), claim.getMetadata().getName(),
                    PodLabels.pod(config.installation(), conversation, spec.egress()),
                    PodLabels.podAnnotations(conversation, spec.egress(), json), spec.limits(), recordsReset);
            ClusterObjects.Made<Pod> made = cluster.createPod(pod);
            if (PodWatch.isTerminal(made.object())) {
                // The name is taken by an earlier pod of this conversation that is still being deleted.
                removeEnded(made.object());
                made = cluster.createPod(pod);
            }
            return new Prepared(made.object(), made.created());
        } catch (KubernetesClientException e) {
            throw SandboxException.unavailable(PodDiagnosis.refusal(e, config.runtimeClass()), e);
        }
    }

    /** The conversation's pod as the watch knows it: a live one first, else one that ended. */
    private Optional<Pod> conversationPod(String conversationId) {
        List<Pod> pods = watch.all().stream()
                .filter(p -> conversationId.equals(PodSandboxProvider.labels(p).get(PodLabels.CONVERSATION))).toList();
        return pods.stream().filter(p -> !PodWatch.isTerminal(p)).findFirst().or(() -> pods.stream().findFirst());
    }

    /** Deletes a pod that failed, finished or is being deleted, and waits (bounded) until it is gone. */
    private void removeEnded(Pod pod) {
        String name = pod.getMetadata().getName();
        if (pod.getMetadata().getDeletionTimestamp() == null) {
            LOG.infof("Ended sandbox pod removed [pod: %s, phase: %s]", name, PodSandboxProvider.phase(pod));
            cluster.deletePod(name, Duration.ZERO);
        }
        try {
            watch.gone(name, pod.getMetadata().getUid()).get(config.terminationGrace().plus(config.apiTimeout())
                    .toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw SandboxException.unavailable("The conversation's previous pod " + name + " is still being deleted; "
                    + "try again in a few seconds", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw SandboxException.unavailable("Interrupted while waiting for pod " + name + " to go", e);
        } catch (ExecutionException e) {
            throw SandboxException.unavailable("Waiting for pod " + name + " to go failed: " + e.getCause(), e);
        }
    }

    /** The conversation's workspace claim: the existing one, else a new one under its deterministic name. */
    private PersistentVolumeClaim ensureClaim(ConversationKey conversation) {
        String id = conversation.id();
        List<PersistentVolumeClaim> existing = cluster.claims(id).stream()
                .filter(c -> c.getMetadata().getDeletionTimestamp() == null).toList();
        if (!existing.isEmpty()) {
            return existing.stream().filter(c -> PodLabels.claimName(id).equals(c.getMetadata().getName()))
                    .findFirst().orElse(existing.get(0));
        }
        PersistentVolumeClaim claim = templates.claim(PodLabels.claimName(id), PodLabels.conversation(
                config.installation(), conversation), PodLabels.annotations(conversation));
        claim.getMetadata().getAnnotations().put(PodLabels.LAST_ACTIVE, clock.instant().toString());
        PersistentVolumeClaim made = cluster.createClaim(claim);
        if (made.getMetadata().getDeletionTimestamp() != null) {
            throw SandboxException.unavailable("The conversation's workspace claim " + made.getMetadata().getName()
                    + " is being deleted (its retention ran out, or the conversation was deleted); try again once it "
                    + "is gone", null);
        }
        return made;
    }

    /** Waits, through the watch, until the pod is ready; explains why when it does not get there in time. */
    private Uni<Prepared> awaitReady(Prepared prepared, SandboxSpec spec) {
        Pod pod = prepared.pod();
        if (PodWatch.isReady(pod)) {
            return Uni.createFrom().item(prepared);
        }
        String name = pod.getMetadata().getName();
        return Uni.createFrom().completionStage(() -> watch.ready(name, pod.getMetadata().getUid()))
                .ifNoItem().after(config.readyTimeout()).failWith(TimeoutException::new)
                // Off the watch's thread: what the caller does next must not hold up the watch's events.
                .emitOn(worker)
                .map(ready -> new Prepared(ready, prepared.created()))
                .onFailure().recoverWithUni(failure -> Uni.createFrom().<Prepared> failure(() -> notReady(pod,
                        failure)).runSubscriptionOn(worker));
    }

    private SandboxException notReady(Pod pod, Throwable failure) {
        String name = pod.getMetadata().getName();
        Pod latest = watch.get(name).filter(p -> p.getMetadata().getUid().equals(pod.getMetadata().getUid()))
                .orElse(failure instanceof PodWatch.PodEndedException ended ? ended.pod() : null);
        String claimName = PodTemplates.claimOf(pod);
        PersistentVolumeClaim claim = null;
        List<Event> events = List.of();
        try {
            claim = claimName == null ? null : cluster.claim(claimName).orElse(null);
            events = cluster.events(name, claimName);
        } catch (KubernetesClientException e) {
            LOG.debugf("Events of a pod that did not start are not readable [pod: %s, cause: %s]", name,
                    e.getMessage());
        }
        String why = PodDiagnosis.explain(latest, claim, events, config.image(), config.runtimeClass());
        if (latest != null && PodWatch.isTerminal(latest) && latest.getMetadata().getDeletionTimestamp() == null) {
            try {
                cluster.deletePod(name, Duration.ZERO);
            } catch (KubernetesClientException e) {
                LOG.debugf("Failed pod not deleted [pod: %s, cause: %s]", name, e.getMessage());
            }
        }
        LOG.warnf("Sandbox pod not ready [pod: %s, reason: %s]", name, why);
        return SandboxException.unavailable(failure instanceof TimeoutException
                ? "The sandbox did not start within " + config.readyTimeout().toSeconds() + " s: " + why + "."
                : "The sandbox could not start: " + why + ".", failure);
    }

}
