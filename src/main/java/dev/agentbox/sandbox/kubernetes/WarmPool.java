package dev.agentbox.sandbox.kubernetes;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import dev.agentbox.conversation.ConversationKey;
import dev.agentbox.egress.EgressPolicy;
import dev.agentbox.sandbox.SandboxException;
import dev.agentbox.sandbox.SandboxSpec;
import io.fabric8.kubernetes.api.model.Pod;

/**
 * Ready pods, each on an empty workspace claim, kept for conversations that have no workspace yet, so that their first
 * call skips scheduling, volume provisioning and start-up. A conversation claims a pair by relabelling it (a JSON
 * patch whose {@code test} makes the claim exclusive between replicas). So that two replicas serving the first calls
 * of one conversation cannot each claim a pair, the claiming (and the creation of a pod, when the pool is empty) is
 * done under a per-conversation Lease {@code agentbox-<conversation id>}; a replica that finds the Lease taken waits
 * for the pod the holder makes.
 */
final class WarmPool {

    private static final Logger LOG = Logger.getLogger(WarmPool.class);

    private final PodSandboxProvider provider;
    private final ClusterObjects cluster;
    private final PodTemplates templates;
    private final KubernetesConfig config;
    private final SandboxSpec.Limits limits;

    WarmPool(PodSandboxProvider provider, ClusterObjects cluster, PodTemplates templates, KubernetesConfig config,
            SandboxSpec.Limits limits) {
        this.provider = provider;
        this.cluster = cluster;
        this.templates = templates;
        this.config = config;
        this.limits = limits;
    }

    /** Tops the pool up to its configured size. */
    void refill() {
        List<Pod> warm = warmPods(false);
        for (int i = warm.size(); i < config.warmPool(); i++) {
            String name = PodLabels.warmName();
            Map<String, String> labels = PodLabels.warm(config.installation());
            cluster.createClaim(templates.claim(name, labels, Map.of()));
            // Until a conversation claims it, the pod has no network beyond what the floor NetworkPolicy allows.
            Map<String, String> podLabels = new LinkedHashMap<>(labels);
            podLabels.put(PodLabels.EGRESS_PROFILE, EgressPolicy.NONE.profile());
            cluster.createPod(templates.pod(name, name, podLabels, Map.of(), limits));
            LOG.debugf("Warm-pool pod created [pod: %s]", name);
        }
    }

    /**
     * Gives a new conversation a ready pod of the pool. Blocking.
     *
     * @return the claimed pod, relabelled for the conversation (created: true), or the pod another replica made for
     *         it meanwhile (created: false);
     *         empty when the pool is off or empty, or the conversation already has a workspace (the caller then makes
     *         or finds the pod the usual way)
     */
    Optional<ClusterObjects.Made<Pod>> claim(ConversationKey conversation, EgressPolicy egress) {
        if (config.warmPool() <= 0 || !cluster.claims(conversation.id()).isEmpty()) {
            return Optional.empty();
        }
        String lease = "agentbox-" + conversation.id();
        if (!cluster.createLease(lease, provider.replica(), config.readyTimeout().multipliedBy(2))) {
            return awaitOtherReplica(conversation).map(pod -> new ClusterObjects.Made<>(pod, false));
        }
        try {
            if (!cluster.claims(conversation.id()).isEmpty()) {
                return Optional.empty();
            }
            Map<String, String> labels = PodLabels.conversation(config.installation(), conversation);
            Map<String, String> annotations = PodLabels.annotations(conversation);
            // The pod's new egress label puts it under its profile's NetworkPolicy from the moment it is claimed.
            Map<String, String> podLabels = PodLabels.pod(config.installation(), conversation, egress);
            Map<String, String> podAnnotations = PodLabels.podAnnotations(conversation, egress, provider.json());
            for (Pod pod : warmPods(true)) {
                if (!cluster.claimWarm(pod, podLabels, podAnnotations)) {
                    continue;
                }
                String claim = PodTemplates.claimOf(pod);
                cluster.claim(claim).ifPresent(c -> cluster.claimWarm(c, labels, annotations));
                LOG.debugf("Warm-pool pod claimed [conversation: %s, pod: %s]", conversation.id(),
                        pod.getMetadata().getName());
                provider.background("refilling the warm pool", this::refill);
                return Optional.of(new ClusterObjects.Made<>(cluster.pod(pod.getMetadata().getName()).orElse(pod),
                        true));
            }
            // The pool is empty: the caller creates the pod as usual, still under the Lease.
            return Optional.empty();
        } finally {
            provider.later(config.apiTimeout(), () -> cluster.deleteLease(lease));
        }
    }

    /**
     * Waits, bounded, until the replica holding the conversation's Lease has made its pod or given up. A rare path
     * (two replicas serving the very first calls of one conversation): it looks into the watch's cache, which events
     * keep current, five times a second.
     */
    private Optional<Pod> awaitOtherReplica(ConversationKey conversation) {
        long deadline = System.nanoTime() + config.readyTimeout().toNanos();
        String lease = "agentbox-" + conversation.id();
        while (System.nanoTime() < deadline) {
            Optional<Pod> made = provider.watch().all().stream().filter(p -> conversation.id().equals(
                    PodSandboxProvider.labels(p).get(PodLabels.CONVERSATION))).filter(p -> !PodWatch.isTerminal(p))
                    .findFirst();
            if (made.isPresent()) {
                return made;
            }
            if (!cluster.leaseExists(lease)) {
                // The holder gave up (or died) without a pod: make it the usual way.
                return Optional.empty();
            }
            try {
                TimeUnit.MILLISECONDS.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
        throw SandboxException.unavailable("Another server is still making this conversation's sandbox; try again",
                null);
    }

    private List<Pod> warmPods(boolean readyOnly) {
        return provider.watch().all().stream()
                .filter(p -> PodLabels.WARM.equals(PodSandboxProvider.labels(p).get(PodLabels.POOL)))
                .filter(p -> !PodWatch.isTerminal(p))
                .filter(p -> !readyOnly || PodWatch.isReady(p))
                .toList();
    }

    /** The pool's pods as the watch sees them; for tests and the collector. */
    int size() {
        return warmPods(false).size();
    }
}
