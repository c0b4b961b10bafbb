package dev.agentbox.sandbox.kubernetes;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.jboss.logging.Logger;

import dev.agentbox.sandbox.SandboxConfig;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;

/**
 * Removes what no server will clean up otherwise: pods that failed or were evicted; pods that no replica holds and
 * that are idle (no use recorded for twice the idle timeout, and no running exec), never became ready, or outlived the
 * maximum lifetime; and workspace claims whose conversation has had no pod for longer than the retention. Pods this
 * server holds are left to the conversations' own reaping.
 */
final class OrphanCollector {

    private static final Logger LOG = Logger.getLogger(OrphanCollector.class);

    private final PodSandboxProvider provider;
    private final ClusterObjects cluster;
    private final KubernetesConfig config;
    private final SandboxConfig sandboxConfig;
    private final Clock clock;

    OrphanCollector(PodSandboxProvider provider, ClusterObjects cluster, KubernetesConfig config,
            SandboxConfig sandboxConfig, Clock clock) {
        this.provider = provider;
        this.cluster = cluster;
        this.config = config;
        this.sandboxConfig = sandboxConfig;
        this.clock = clock;
    }

    /** One pass; each removal is one API call. */
    void collect() {
        Instant now = clock.instant();
        List<Pod> pods = provider.watch().all();
        for (Pod pod : pods) {
            String reason = orphanReason(pod, now);
            if (reason != null) {
                LOG.infof("Orphaned sandbox pod deleted [pod: %s, reason: %s]", pod.getMetadata().getName(), reason);
                cluster.deletePod(pod.getMetadata().getName(), PodWatch.isTerminal(pod) ? Duration.ZERO
                        : config.terminationGrace());
            }
        }
        Set<String> withPods = pods.stream().map(p -> PodSandboxProvider.labels(p).get(PodLabels.CONVERSATION))
                .filter(java.util.Objects::nonNull).collect(Collectors.toSet());
        Set<String> claimsInUse = pods.stream().map(PodTemplates::claimOf).filter(java.util.Objects::nonNull)
                .collect(Collectors.toSet());
        for (PersistentVolumeClaim claim : cluster.claims(null)) {
            String reason = expiredReason(claim, withPods, claimsInUse, now);
            if (reason != null) {
                LOG.infof("Workspace claim deleted [claim: %s, reason: %s]", claim.getMetadata().getName(), reason);
                cluster.deleteClaim(claim.getMetadata().getName());
            }
        }
        cluster.deleteExpiredLeases(config.readyTimeout().multipliedBy(2));
    }

    private String orphanReason(Pod pod, Instant now) {
        Map<String, String> labels = PodSandboxProvider.labels(pod);
        String name = pod.getMetadata().getName();
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            return null;
        }
        if (PodWatch.isTerminal(pod)) {
            return "it ended (" + PodSandboxProvider.phase(pod) + ")";
        }
        if (PodLabels.WARM.equals(labels.get(PodLabels.POOL)) || provider.live().containsKey(name)) {
            return null;
        }
        Instant created = created(pod);
        if (created.plus(sandboxConfig.maxLifetime()).plus(config.readyTimeout()).isBefore(now)) {
            return "it is older than the maximum lifetime of " + sandboxConfig.maxLifetime();
        }
        if (!PodWatch.isReady(pod)) {
            return created.plus(config.readyTimeout().multipliedBy(2)).isBefore(now) ? "it never became ready" : null;
        }
        Instant lastActive = PodSandboxProvider.instant(PodSandboxProvider.annotations(pod).get(PodLabels.LAST_ACTIVE));
        Instant last = lastActive != null && lastActive.isAfter(created) ? lastActive : created;
        if (last.plus(sandboxConfig.idleTimeout().multipliedBy(2)).isAfter(now)) {
            return null;
        }
        return busy(name) ? null : "no server holds it and it was idle since " + last;
    }

    /** Whether an exec still runs in the pod: such a pod is a job's, not an orphan. */
    private boolean busy(String pod) {
        try {
            return provider.shell(pod).call(PodScripts.scan(List.of(), List.of())).stream()
                    .anyMatch(i -> i.tag() == 'J' && !"ended".equals(i.field(1)) && !"lost".equals(i.field(1)));
        } catch (RuntimeException e) {
            LOG.debugf("Pod not checked for running execs, kept [pod: %s, cause: %s]", pod, e.getMessage());
            return true;
        }
    }

    private String expiredReason(PersistentVolumeClaim claim, Set<String> conversationsWithPods,
            Set<String> claimsInUse, Instant now) {
        String name = claim.getMetadata().getName();
        if (claim.getMetadata().getDeletionTimestamp() != null || claimsInUse.contains(name)) {
            return null;
        }
        Map<String, String> labels = claim.getMetadata().getLabels() == null ? Map.of()
                : claim.getMetadata().getLabels();
        Instant created = created(claim);
        if (PodLabels.WARM.equals(labels.get(PodLabels.POOL))) {
            return created.plus(config.readyTimeout().multipliedBy(2)).isBefore(now) ? "a warm-pool claim without its pod"
                    : null;
        }
        String conversation = labels.get(PodLabels.CONVERSATION);
        if (conversation != null && conversationsWithPods.contains(conversation)) {
            return null;
        }
        Instant lastActive = PodSandboxProvider.instant(PodSandboxProvider.annotations(claim).get(PodLabels.LAST_ACTIVE));
        Instant last = lastActive != null && lastActive.isAfter(created) ? lastActive : created;
        return last.plus(config.workspaceRetention()).isBefore(now)
                ? "its conversation was last active at " + last + ", past the retention of " + config.workspaceRetention()
                : null;
    }

    private static Instant created(HasMetadata object) {
        Instant created = PodSandboxProvider.instant(object.getMetadata().getCreationTimestamp());
        return created == null ? Instant.EPOCH : created;
    }
}
