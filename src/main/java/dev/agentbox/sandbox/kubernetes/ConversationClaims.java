package dev.agentbox.sandbox.kubernetes;

import java.net.HttpURLConnection;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jboss.logging.Logger;

import dev.agentbox.conversation.ConversationKey;
import dev.agentbox.sandbox.SandboxException;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * The conversations of this installation as their workspace claims tell them, and their deletion. All that the
 * backend keeps of a conversation (workspace, home directory, shell state, exec records) is on its one claim, so:
 * <ul>
 * <li>deleting it with its workspace deletes its pods, then its claim;</li>
 * <li>deleting it without its workspace cannot remove the records at once, because no pod runs to remove them in
 * (the caller stopped the sandbox, and the server itself never mounts claims). Its pods are deleted and its claim gets
 * a fresh reset mark instead; the next pod's init container clears the records and the shell state before the sandbox
 * starts ({@link PodTemplates}). Until then they stay on the volume, where no tool can see them.</li>
 * </ul>
 * Everything here blocks, one API call at a time, and is safe to repeat: a deletion that failed half-way is finished
 * by the next.
 */
final class ConversationClaims {

    private static final Logger LOG = Logger.getLogger(ConversationClaims.class);

    private final PodWatch watch;
    private final ClusterObjects cluster;
    private final KubernetesConfig config;

    ConversationClaims(PodWatch watch, ClusterObjects cluster, KubernetesConfig config) {
        this.watch = watch;
        this.cluster = cluster;
        this.config = config;
    }

    /**
     * @return the conversations with a workspace claim; warm-pool claims not yet claimed, and claims without a
     *         conversation's annotations or whose annotations do not match their label, are left out
     */
    List<ConversationKey> conversations() {
        List<PersistentVolumeClaim> claims;
        try {
            claims = cluster.claims(null);
        } catch (KubernetesClientException e) {
            throw SandboxException.unavailable("The conversations cannot be listed: " + apiFailure(e), e);
        }
        Map<String, ConversationKey> conversations = new LinkedHashMap<>();
        for (PersistentVolumeClaim claim : claims) {
            Map<String, String> labels = claim.getMetadata().getLabels() == null ? Map.of()
                    : claim.getMetadata().getLabels();
            Map<String, String> annotations = PodSandboxProvider.annotations(claim);
            String principal = annotations.get(PodLabels.PRINCIPAL);
            String key = annotations.get(PodLabels.KEY);
            if (PodLabels.WARM.equals(labels.get(PodLabels.POOL)) || principal == null || key == null) {
                continue;
            }
            ConversationKey conversation = new ConversationKey(principal, key);
            if (conversation.id().equals(labels.get(PodLabels.CONVERSATION))) {
                conversations.putIfAbsent(conversation.id(), conversation);
            }
        }
        return List.copyOf(conversations.values());
    }

    /**
     * Deletes a conversation's pods (whatever their state), then its claims or, without {@code workspace}, marks them
     * for a reset of records and shell state. A conversation without pods or claims is left as it is.
     *
     * @return the names of the pods deleted, for the caller to forget
     * @throws SandboxException (unavailable) when the API server refuses or does not answer, or a pod or claim is still
     *         going after a while
     */
    List<String> delete(ConversationKey conversation, boolean workspace) {
        String id = conversation.id();
        try {
            List<Pod> pods = watch.all().stream()
                    .filter(p -> id.equals(PodSandboxProvider.labels(p).get(PodLabels.CONVERSATION))).toList();
            for (Pod pod : pods) {
                // The sandbox was stopped already; whatever is left (an ended pod, one of another replica) goes now.
                cluster.deletePod(pod.getMetadata().getName(), Duration.ZERO);
            }
            for (Pod pod : pods) {
                awaitPodGone(pod);
            }
            List<PersistentVolumeClaim> claims = cluster.claims(id);
            if (workspace) {
                for (PersistentVolumeClaim claim : claims) {
                    cluster.deleteClaim(claim.getMetadata().getName());
                }
                for (PersistentVolumeClaim claim : claims) {
                    awaitClaimGone(claim);
                }
            } else {
                String mark = UUID.randomUUID().toString();
                for (PersistentVolumeClaim claim : claims) {
                    cluster.markClaimForReset(claim.getMetadata().getName(), mark);
                }
            }
            if (!pods.isEmpty() || !claims.isEmpty()) {
                LOG.infof("Conversation deleted [conversation: %s, workspace: %s, pods: %d, claims: %d]", id,
                        workspace, pods.size(), claims.size());
            }
            return pods.stream().map(p -> p.getMetadata().getName()).toList();
        } catch (KubernetesClientException e) {
            throw SandboxException.unavailable("The conversation could not be deleted: " + apiFailure(e)
                    + "; deleting it again finishes what was begun.", e);
        }
    }

    private void awaitPodGone(Pod pod) {
        String name = pod.getMetadata().getName();
        try {
            watch.gone(name, pod.getMetadata().getUid()).get(config.terminationGrace().plus(config.apiTimeout())
                    .toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw SandboxException.unavailable("The conversation's pod " + name + " is still being deleted; delete "
                    + "the conversation again in a few seconds.", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw SandboxException.unavailable("Interrupted while waiting for pod " + name + " to go", e);
        } catch (ExecutionException e) {
            throw SandboxException.unavailable("Waiting for pod " + name + " to go failed: " + e.getCause(), e);
        }
    }

    /**
     * Waits, bounded, until a deleted claim is gone: Kubernetes keeps a claim until no pod uses it any more (its
     * protection finalizer), and a new claim under the same name, which the conversation's next call makes, is refused
     * meanwhile. The backend watches pods, not claims (its Role grants no watch on them), so this reads the claim five
     * times a second; once its pods are gone that takes a moment, and in most cases one read.
     */
    private void awaitClaimGone(PersistentVolumeClaim deleted) {
        String name = deleted.getMetadata().getName();
        String uid = deleted.getMetadata().getUid();
        long deadline = System.nanoTime() + config.apiTimeout().multipliedBy(2).toNanos();
        while (cluster.claim(name).filter(c -> uid == null || uid.equals(c.getMetadata().getUid())).isPresent()) {
            if (System.nanoTime() > deadline) {
                throw SandboxException.unavailable("The conversation's workspace claim " + name + " is still being "
                        + "deleted by the cluster; delete the conversation again in a few seconds.", null);
            }
            try {
                TimeUnit.MILLISECONDS.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw SandboxException.unavailable("Interrupted while waiting for claim " + name + " to go", e);
            }
        }
    }

    /** An API failure in the user's terms: what the API server said, and whether it was a refusal. */
    private static String apiFailure(KubernetesClientException e) {
        String message = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage()
                : PodCallException.describe(e);
        if (e.getCode() == HttpURLConnection.HTTP_FORBIDDEN || e.getCode() == HttpURLConnection.HTTP_UNAUTHORIZED) {
            return "the server's service account may not do this (" + message + ")";
        }
        return "the Kubernetes API server cannot be reached or failed (" + message + ")";
    }
}
