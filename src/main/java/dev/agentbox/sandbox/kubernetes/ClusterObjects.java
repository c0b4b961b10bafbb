package dev.agentbox.sandbox.kubernetes;

import java.net.HttpURLConnection;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

/**
 * The API calls the backend makes on pods, claims, events, leases and NetworkPolicies, all in one namespace. These
 * block (fabric8's DSL is synchronous) and run on worker threads; each is one request. Creating is
 * create-if-absent: names are deterministic, so a 409 means another replica (or an earlier attempt) made the object,
 * and it is used as is.
 * <p>
 * What the backend calls here, plus the exec upgrades of {@link ExecChannel}, is exactly what the Role in
 * {@code k8s/base/role.yaml} grants; a test derives the calls from a run and compares.
 */
final class ClusterObjects {

    private static final Logger LOG = Logger.getLogger(ClusterObjects.class);

    private final KubernetesClient client;
    private final String namespace;
    private final String installation;
    private final ObjectMapper json;
    private final Clock clock;

    ClusterObjects(KubernetesClient client, String namespace, String installation, ObjectMapper json, Clock clock) {
        this.client = client;
        this.namespace = namespace;
        this.installation = installation;
        this.json = json;
        this.clock = clock;
    }

    String namespace() {
        return namespace;
    }

    /**
     * Creates a claim unless one of that name exists.
     *
     * @return the claim as created or as found
     */
    PersistentVolumeClaim createClaim(PersistentVolumeClaim claim) {
        try {
            return client.persistentVolumeClaims().inNamespace(namespace).resource(claim).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
                PersistentVolumeClaim existing = claim(claim.getMetadata().getName()).orElse(null);
                if (existing != null) {
                    return existing;
                }
            }
            throw e;
        }
    }

    /** An object as created by this call, or as found because it existed already. */
    record Made<T>(T object, boolean created) {
    }

    /**
     * Creates a pod unless one of that name exists.
     *
     * @return the pod as created, or the one found under that name (made by another replica)
     */
    Made<Pod> createPod(Pod pod) {
        try {
            return new Made<>(client.pods().inNamespace(namespace).resource(pod).create(), true);
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
                Pod existing = pod(pod.getMetadata().getName()).orElse(null);
                if (existing != null) {
                    LOG.debugf("Pod already exists, using it [pod: %s]", pod.getMetadata().getName());
                    return new Made<>(existing, false);
                }
            }
            throw e;
        }
    }

    /**
     * Makes a NetworkPolicy exist as given: created when absent, its labels and spec replaced whole (a JSON patch)
     * when they differ. Another replica doing the same at once is harmless: both write the same
     * content.
     */
    void applyNetworkPolicy(NetworkPolicy wanted) {
        var policies = client.network().v1().networkPolicies().inNamespace(namespace);
        String name = wanted.getMetadata().getName();
        NetworkPolicy existing = policies.withName(name).get();
        if (existing == null) {
            try {
                policies.resource(wanted).create();
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
                    throw e;
                }
                existing = policies.withName(name).get();
            }
        }
        if (existing != null && wanted.getSpec().equals(existing.getSpec())
                && wanted.getMetadata().getLabels().equals(existing.getMetadata().getLabels())) {
            return;
        }
        try {
            policies.withName(name).patch(PatchContext.of(PatchType.JSON), json.writeValueAsString(List.of(
                    Map.of("op", "replace", "path", "/metadata/labels", "value", wanted.getMetadata().getLabels()),
                    Map.of("op", "replace", "path", "/spec", "value", wanted.getSpec()))));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    Optional<Pod> pod(String name) {
        return Optional.ofNullable(client.pods().inNamespace(namespace).withName(name).get());
    }

    Optional<PersistentVolumeClaim> claim(String name) {
        return Optional.ofNullable(client.persistentVolumeClaims().inNamespace(namespace).withName(name).get());
    }

    /**
     * @return the claims of this installation labelled with the conversation id, or all of them for {@code null}
     */
    List<PersistentVolumeClaim> claims(String conversationId) {
        var claims = client.persistentVolumeClaims().inNamespace(namespace).withLabel(PodLabels.INSTALLATION,
                installation);
        return (conversationId == null ? claims : claims.withLabel(PodLabels.CONVERSATION, conversationId)).list()
                .getItems();
    }

    /**
     * Deletes a pod.
     *
     * @param grace how long it may take to stop
     */
    void deletePod(String name, Duration grace) {
        var pod = client.pods().inNamespace(namespace).withName(name);
        try {
            pod.withGracePeriod(Math.max(0, grace.toSeconds())).delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) {
                throw e;
            }
        }
    }

    void deleteClaim(String name) {
        try {
            client.persistentVolumeClaims().inNamespace(namespace).withName(name).delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) {
                throw e;
            }
        }
    }

    /**
     * Records on a pod when, and by which replica, it was last used (a JSON merge patch of two annotations).
     */
    void markPodActive(String name, String replica) {
        patch(client.pods().inNamespace(namespace).withName(name), Map.of(PodLabels.LAST_ACTIVE,
                clock.instant().toString(), PodLabels.ACTIVE_BY, replica));
    }

    /**
     * Records on a claim when its conversation last had a sandbox; the collector keeps it for the retention from
     * then.
     */
    void markClaimActive(String name) {
        patch(client.persistentVolumeClaims().inNamespace(namespace).withName(name),
                Map.of(PodLabels.LAST_ACTIVE, clock.instant().toString()));
    }

    /**
     * Puts a reset mark on a claim: the next pod on it clears the exec records and shell state ({@link PodTemplates}).
     */
    void markClaimForReset(String name, String mark) {
        patch(client.persistentVolumeClaims().inNamespace(namespace).withName(name),
                Map.of(PodLabels.RECORDS_RESET, mark));
    }

    /**
     * Claims an object of the warm pool for a conversation: replaces its pool label with the conversation's labels
     * and annotations in one JSON patch whose {@code test} operation fails (409 or 422) if another replica claimed it
     * first.
     *
     * @return whether this call claimed it
     */
    boolean claimWarm(HasMetadata object, Map<String, String> labels, Map<String, String> annotations) {
        StringBuilder patch = new StringBuilder("[{\"op\":\"test\",\"path\":\"/metadata/labels/")
                .append(escape(PodLabels.POOL)).append("\",\"value\":\"").append(PodLabels.WARM).append("\"}")
                .append(",{\"op\":\"remove\",\"path\":\"/metadata/labels/").append(escape(PodLabels.POOL)).append("\"}");
        try {
            for (Map.Entry<String, String> label : labels.entrySet()) {
                patch.append(",{\"op\":\"add\",\"path\":\"/metadata/labels/").append(escape(label.getKey()))
                        .append("\",\"value\":").append(json.writeValueAsString(label.getValue())).append('}');
            }
            if (object.getMetadata().getAnnotations() == null) {
                patch.append(",{\"op\":\"add\",\"path\":\"/metadata/annotations\",\"value\":{}}");
            }
            for (Map.Entry<String, String> annotation : annotations.entrySet()) {
                patch.append(",{\"op\":\"add\",\"path\":\"/metadata/annotations/").append(escape(annotation.getKey()))
                        .append("\",\"value\":").append(json.writeValueAsString(annotation.getValue())).append('}');
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        patch.append(']');
        try {
            if (object instanceof Pod) {
                client.pods().inNamespace(namespace).withName(object.getMetadata().getName())
                        .patch(PatchContext.of(PatchType.JSON), patch.toString());
            } else {
                client.persistentVolumeClaims().inNamespace(namespace).withName(object.getMetadata().getName())
                        .patch(PatchContext.of(PatchType.JSON), patch.toString());
            }
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_CONFLICT || e.getCode() == 422 || e.getCode() == 500
                    || e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Takes a conversation's creation lock: a Lease of that name, created unless it exists.
     *
     * @return whether this call created it
     */
    boolean createLease(String name, String holder, Duration duration) {
        Lease lease = new LeaseBuilder().withNewMetadata().withName(name)
                .withLabels(Map.of(PodLabels.INSTALLATION, installation)).endMetadata()
                .withNewSpec().withHolderIdentity(holder).withLeaseDurationSeconds((int) duration.toSeconds())
                .withAcquireTime(java.time.ZonedDateTime.now(clock)).endSpec().build();
        try {
            client.leases().inNamespace(namespace).resource(lease).create();
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
                return false;
            }
            throw e;
        }
    }

    boolean leaseExists(String name) {
        return client.leases().inNamespace(namespace).withName(name).get() != null;
    }

    void deleteLease(String name) {
        client.leases().inNamespace(namespace).withName(name).delete();
    }

    /** Removes creation locks whose holder died before releasing them. */
    void deleteExpiredLeases(Duration age) {
        for (Lease lease : client.leases().inNamespace(namespace).withLabel(PodLabels.INSTALLATION, installation)
                .list().getItems()) {
            java.time.ZonedDateTime acquired = lease.getSpec() == null ? null : lease.getSpec().getAcquireTime();
            if (acquired != null && acquired.toInstant().plus(age).isBefore(clock.instant())) {
                deleteLease(lease.getMetadata().getName());
            }
        }
    }

    /**
     * @return the events about the named objects, newest information the API server keeps (about an hour)
     */
    List<Event> events(String... names) {
        List<String> wanted = List.of(names);
        return client.v1().events().inNamespace(namespace).list().getItems().stream()
                .filter(e -> e.getInvolvedObject() != null && wanted.contains(e.getInvolvedObject().getName()))
                .toList();
    }

    private void patch(io.fabric8.kubernetes.client.dsl.Resource<?> resource, Map<String, String> annotations) {
        try {
            resource.patch(PatchContext.of(PatchType.JSON_MERGE), json.writeValueAsString(Map.of("metadata",
                    Map.of("annotations", annotations))));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        } catch (KubernetesClientException e) {
            if (e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) {
                throw e;
            }
        }
    }

    /** Escapes a key for a JSON pointer ({@code ~} and {@code /}). */
    private static String escape(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }
}
