package dev.agentbox.sandbox.kubernetes.harness;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;

/**
 * A stand-in cluster for the Kubernetes backend's tests: fabric8's mock API server in CRUD mode, with a front
 * dispatcher that answers exec upgrades by running the command for real ({@link HarnessDispatcher}), and a fake
 * kubelet that schedules pods and runs their containers with bubblewrap ({@link FakeKubelet}, {@link Containers}).
 * The backend's real client code (pod and claim CRUD, label lists, the pod watch, exec WebSockets) runs against it.
 * <p>
 * One harness per test JVM at a time ({@link #current()}).
 */
public final class KubeletHarness implements AutoCloseable {

    /** What the harness reports as a running pod's IP unless a test sets another. */
    public static final String DEFAULT_POD_IP = "10.0.0.1";

    public static final String NAMESPACE = "test";
    private static volatile KubeletHarness current;

    private final KubernetesMockServer server;
    private final HarnessDispatcher dispatcher;
    private final KubernetesClient kubeletClient;
    private final Containers containers;
    private final FakeKubelet kubelet;
    private final Faults faults = new Faults();
    private final Set<String> runtimeClasses = ConcurrentHashMap.newKeySet();
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "kubelet-harness");
        thread.setDaemon(true);
        return thread;
    });

    private KubeletHarness(Path root, int hostUid) throws IOException {
        Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
        dispatcher = new HarnessDispatcher(responses, this, executor);
        server = new KubernetesMockServer(new io.fabric8.mockwebserver.Context(), new MockWebServer(), responses,
                dispatcher, false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        Config config = new ConfigBuilder(Config.empty()).withMasterUrl(url()).withNamespace(NAMESPACE)
                .withTrustCerts(true).withHttp2Disable(true).withUserAgent(HarnessDispatcher.KUBELET_AGENT)
                .withRequestRetryBackoffLimit(2).build();
        kubeletClient = new KubernetesClientBuilder().withConfig(config).build();
        containers = new Containers(root, hostUid, helper(root));
        kubelet = new FakeKubelet(kubeletClient, containers, faults, executor);
        kubelet.start();
        runtimeClasses.add("gvisor");
    }

    /**
     * Starts the harness an application under test uses ({@link #current()}), with its state under
     * {@code target/kubelet-harness}, running containers as an unprivileged host uid just above the test run's uid
     * range.
     */
    public static synchronized KubeletHarness start() throws IOException {
        if (current != null) {
            current.close();
        }
        current = open("app");
        return current;
    }

    /**
     * Starts a harness of a test's own, independent of {@link #current()}, with its state under
     * {@code target/kubelet-harness-<name>}.
     */
    public static KubeletHarness open(String name) throws IOException {
        int hostUid = Integer.getInteger("agentbox.test.uid-base", 2000000) + 65000;
        return new KubeletHarness(Path.of("target/kubelet-harness-" + name).toAbsolutePath(), hostUid);
    }

    /**
     * @return the running harness
     */
    public static KubeletHarness current() {
        if (current == null) {
            throw new IllegalStateException("no kubelet harness is running");
        }
        return current;
    }

    /**
     * @return the mock API server's URL
     */
    public String url() {
        return server.url("/").replaceAll("/$", "");
    }

    /**
     * @return the configuration that selects the Kubernetes backend; the client finds the harness through fabric8's
     *         system properties ({@link KubeletHarnessResource}), since the Quarkus extension fixes its own
     *         connection options at build time
     */
    public Map<String, String> serverConfig() {
        return Map.of("agentbox.sandbox.backend", "kubernetes");
    }

    /**
     * @return a client of the harness's own (never subject to faults), for tests to look at and change the cluster
     */
    public KubernetesClient client() {
        return kubeletClient;
    }

    public Faults faults() {
        return faults;
    }

    /**
     * @return the names of the RuntimeClasses the cluster has (initially {@code gvisor}); tests may change it
     */
    public Set<String> runtimeClasses() {
        return runtimeClasses;
    }

    /**
     * @return the directory standing for a claim's volume
     */
    public Path claimDir(String claim) {
        return containers.claimDir(claim);
    }

    /**
     * @return the requests of the server under test so far, as {@code METHOD path?query}
     */
    public List<String> requests() {
        return dispatcher.requests();
    }

    public void clearRequests() {
        dispatcher.clearRequests();
    }

    /**
     * Sets the address reported as the IP of pods that start from now on (harness pods have loopback only, so it is
     * only a name the server sees).
     */
    public void podIp(String address) {
        kubelet.podIp(address);
    }

    /** Binds every claim that is not bound yet (after {@link Faults#claimsNeverBind} is lifted). */
    public void bindClaims() {
        kubelet.bindAll(NAMESPACE);
    }

    /** Tries again every pod that is not running yet (after a fault is lifted), as a kubelet retries. */
    public void retryPendingPods() {
        kubelet.retryPending();
    }

    /**
     * @return a client for a server replica under test: default user agent (so faults and the request log apply)
     */
    public KubernetesClient replicaClient() {
        Config config = new ConfigBuilder(Config.empty()).withMasterUrl(url()).withNamespace(NAMESPACE)
                .withTrustCerts(true).withHttp2Disable(true).withRequestRetryBackoffLimit(1)
                .withRequestTimeout(5000).withConnectionTimeout(5000).build();
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    /** Evicts a pod (phase Failed, reason Evicted) and kills its container. */
    public void evict(String pod, String message) {
        kubelet.evict(NAMESPACE, pod, message);
    }

    /**
     * @return the pods of the namespace as stored
     */
    public List<Pod> pods() {
        return kubeletClient.pods().inNamespace(NAMESPACE).list().getItems();
    }

    /**
     * @return the pods labelled with a conversation's id
     */
    public List<Pod> podsOf(String conversationId) {
        return kubeletClient.pods().inNamespace(NAMESPACE).withLabel("agentbox.dev/conversation", conversationId)
                .list().getItems();
    }

    /**
     * @return the workspace claims labelled with a conversation's id
     */
    public List<PersistentVolumeClaim> claimsOf(String conversationId) {
        return kubeletClient.persistentVolumeClaims().inNamespace(NAMESPACE)
                .withLabel("agentbox.dev/conversation", conversationId).list().getItems();
    }

    /**
     * @return the sandbox id the backend gives a pod (its name and the end of its uid)
     */
    public String sandboxId(Pod pod) {
        String uid = pod.getMetadata().getUid().replace("-", "");
        return pod.getMetadata().getName() + "-" + uid.substring(uid.length() - 8);
    }

    /**
     * @return the name of the pod behind a sandbox id
     */
    public String podOf(String sandboxId) {
        return sandboxId.substring(0, sandboxId.lastIndexOf('-'));
    }

    KubernetesClient kubeletClient() {
        return kubeletClient;
    }

    FakeKubelet kubelet() {
        return kubelet;
    }

    Containers containers() {
        return containers;
    }

    /** The exec helper Maven built, as a file (copied out when it is inside a jar, as under failsafe). */
    private static Path helper(Path root) throws IOException {
        var url = KubeletHarness.class.getClassLoader().getResource("native/agentbox-exec");
        if (url == null) {
            throw new IOException("native/agentbox-exec is not on the class path; build with Maven first");
        }
        if ("file".equals(url.getProtocol())) {
            try {
                return Path.of(url.toURI());
            } catch (URISyntaxException e) {
                throw new IOException(e);
            }
        }
        Path copy = root.resolveSibling(root.getFileName() + "-agentbox-exec");
        try (var in = url.openStream()) {
            java.nio.file.Files.copy(in, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        java.nio.file.Files.setPosixFilePermissions(copy, java.nio.file.attribute.PosixFilePermissions.fromString(
                "rwxr-xr-x"));
        return copy;
    }

    @Override
    public void close() {
        kubelet.close();
        containers.stopAll();
        kubeletClient.close();
        server.destroy();
        executor.shutdownNow();
        if (current == this) {
            current = null;
        }
    }
}
