package dev.agentbox.sandbox.kubernetes;

import java.time.Duration;
import java.util.Optional;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * The Kubernetes backend: one pod and one PersistentVolumeClaim per conversation, every call an exec into the pod.
 * The cluster connection itself (API server, credentials) comes from the {@code quarkus.kubernetes-client.*}
 * options, or from the service account when the server runs in the cluster. CPU and memory limits come from
 * {@code agentbox.sandbox.limits}.
 */
@ConfigMapping(prefix = "agentbox.kubernetes")
public interface KubernetesConfig {

    /**
     * The namespace where sandbox pods and workspace claims are made. Without it, the Kubernetes client's namespace
     * (the server's own namespace when it runs in the cluster).
     */
    Optional<String> namespace();

    /**
     * The value of the {@code agentbox.dev/installation} label on every object this server makes. Servers with
     * different values share a namespace without touching each other's sandboxes; replicas of one server share it.
     * Letters, digits, {@code -} and {@code .}, at most 63 characters.
     */
    @WithDefault("agentbox")
    String installation();

    /**
     * The sandbox image. It needs {@code sh}, bash, GNU coreutils (od, dd, head, tail), the exec helper at
     * {@code exec-helper}, a user {@code agent} with the uid of {@code run-as-user}, and an entrypoint that keeps
     * running and reaps orphans ({@code container/sandbox.Containerfile} builds one).
     */
    @WithDefault("ghcr.io/agentbox-dev/agentbox-sandbox:0.1.0")
    String image();

    /**
     * When the kubelet pulls the sandbox image: {@code IfNotPresent}, {@code Always} or {@code Never}.
     */
    @WithDefault("IfNotPresent")
    String imagePullPolicy();

    /**
     * The RuntimeClass of sandbox pods; {@code gvisor} is GKE Sandbox. {@code none} leaves the field out, so pods
     * run on the node's default runtime (no gVisor: for development clusters only).
     */
    @WithDefault("gvisor")
    String runtimeClass();

    /**
     * The service account sandbox pods run as. Its token is never mounted. Without it, the namespace's
     * {@code default} account.
     */
    Optional<String> serviceAccount();

    /**
     * The user and group id commands run as in the pod (never root); the workspace volume is group-owned by it.
     */
    @WithDefault("1000")
    long runAsUser();

    /**
     * Path of the exec helper inside the sandbox image.
     */
    @WithDefault("/usr/local/bin/agentbox-exec")
    String execHelper();

    /**
     * Size of each conversation's workspace volume (the claim also holds home directory, shell state and job
     * records).
     */
    @WithDefault("10G")
    MemorySize workspaceSize();

    /**
     * The StorageClass of workspace claims. Without it, the cluster's default class.
     */
    Optional<String> storageClass();

    /**
     * Node-local disk a sandbox pod may use outside its workspace (container layer, logs, {@code /tmp}); the kubelet
     * evicts a pod past it.
     */
    @WithDefault("2G")
    MemorySize ephemeralStorage();

    /**
     * Size of each sandbox's {@code /tmp}, an emptyDir counted against its ephemeral storage.
     */
    @WithDefault("256M")
    MemorySize tmpSize();

    /**
     * CPU a sandbox pod requests (what the scheduler reserves), in cores; its limit is
     * {@code agentbox.sandbox.limits.cpus}.
     */
    @WithDefault("0.25")
    double cpuRequest();

    /**
     * Memory a sandbox pod requests; its limit is {@code agentbox.sandbox.limits.memory}.
     */
    @WithDefault("256M")
    MemorySize memoryRequest();

    /**
     * How long a new sandbox pod may take to become ready (scheduling, volume attach, image pull, start) before the
     * call fails with {@code SANDBOX_UNAVAILABLE} and the reason the cluster gives.
     */
    @WithDefault("120S")
    Duration readyTimeout();

    /**
     * How long one request to the Kubernetes API, or one short exec into a pod, may take.
     */
    @WithDefault("10S")
    Duration apiTimeout();

    /**
     * How often a failed API request (a 5xx or 429 answer, or no connection) is tried again, with exponential
     * backoff from 100 ms, before the call fails. Kept small so that a call fails in bounded time when the API server
     * is down.
     */
    @WithDefault("2")
    int apiRetries();

    /**
     * How long a deleted sandbox pod gets to stop before it is killed.
     */
    @WithDefault("5S")
    Duration terminationGrace();

    /**
     * How long a workspace claim is kept after its conversation's last use; then it is deleted with everything in
     * it (files, job records).
     */
    @WithDefault("7D")
    Duration workspaceRetention();

    /**
     * How often orphans are looked for: pods no server holds that are idle, failed or too old, and workspace claims
     * past their retention.
     */
    @WithDefault("5M")
    Duration collectInterval();

    /**
     * How many ready pods (each with an empty workspace claim) to keep for new conversations, so that their first
     * call does not wait for a pod to start. 0 turns the pool off.
     */
    @WithDefault("0")
    int warmPool();

    /**
     * Where sandbox pods reach the server's egress proxy: a Service in front of the server pods (the manifests make
     * {@code agentbox-egress}). Unset: egress profiles with domain rules are refused on this backend.
     */
    Optional<String> egressProxyHost();

    /**
     * The port the egress proxy listens on in each server pod, and that sandbox pods connect to.
     */
    @WithDefault("3128")
    int egressProxyPort();

    /**
     * The labels of the server's own pods, {@code name=value} pairs separated by commas: the NetworkPolicy of a
     * profile with domain rules lets its sandbox pods reach these pods' egress proxy port, nothing else of them.
     */
    @WithDefault("app.kubernetes.io/name=agentbox-server")
    String serverLabels();
}
