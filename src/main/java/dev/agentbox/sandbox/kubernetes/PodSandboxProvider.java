package dev.agentbox.sandbox.kubernetes;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.agentbox.conversation.ConversationKey;
import dev.agentbox.egress.EgressPolicy;
import dev.agentbox.egress.proxy.EgressProxy;
import dev.agentbox.sandbox.Isolation;
import dev.agentbox.sandbox.RestoreRequest;
import dev.agentbox.sandbox.Sandbox;
import dev.agentbox.sandbox.SandboxConfig;
import dev.agentbox.sandbox.SandboxException;
import dev.agentbox.sandbox.SandboxProvider;
import dev.agentbox.sandbox.SandboxSpec;
import dev.agentbox.sandbox.SurvivingSandbox;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * The Kubernetes backend: each conversation's sandbox is a pod, from {@link PodTemplates}, on a workspace claim of its
 * own; every call is an exec into the pod ({@link PodSandbox}). Pods are found through labels, so this server keeps
 * nothing a restart would lose: a restarted server, or another replica, serves the same conversations with the same
 * pods and job records. Idle pods are deleted and their claims kept; the next call makes a new pod on the claim.
 * <p>
 * Nothing here runs unless {@code agentbox.sandbox.backend=kubernetes}: the client, the watch and the background
 * tasks start in {@link #start}, which only the selected backend gets.
 */
@ApplicationScoped
public class PodSandboxProvider implements SandboxProvider {

    private static final Logger LOG = Logger.getLogger(PodSandboxProvider.class);

    private final Supplier<KubernetesClient> clients;
    private final KubernetesConfig config;
    private final SandboxConfig sandboxConfig;
    private final ObjectMapper json;
    private final Clock clock;
    private final String replica;
    private final Map<String, PodSandbox> live = new ConcurrentHashMap<>();
    private final Executor worker = Infrastructure.getDefaultWorkerPool();

    private volatile KubernetesClient client;
    private volatile ClusterObjects cluster;
    private volatile PodWatch watch;
    private volatile PodTemplates templates;
    private volatile ScheduledExecutorService scheduler;
    private volatile OrphanCollector collector;
    private volatile WarmPool warmPool;
    private volatile ConversationPods pods;
    private volatile ConversationClaims claims;
    private volatile PodIsolationProbe isolationProbe;
    private volatile String unavailableReason = "the kubernetes backend has not started";
    private volatile int watchMisses;

    /** Workspace archives and restores; made in {@link #start}. */
    private volatile PodTransfers transfers;
    private final EgressProxy proxy;
    /** Domain rules through the egress proxy; made in {@link #start}. */
    private volatile PodEgress egress;

    @Inject
    PodSandboxProvider(Instance<KubernetesClient> clients, KubernetesConfig config, SandboxConfig sandboxConfig,
            ObjectMapper json, Clock clock, EgressProxy proxy) {
        this(clients::get, config, sandboxConfig, json, clock, proxy);
    }

    /**
     * @param clients gives the Kubernetes client when the backend starts (not before: an unselected backend never
     *        makes one)
     * @param proxy the egress proxy, or {@code null} for a provider that serves no domain rules
     */
    PodSandboxProvider(Supplier<KubernetesClient> clients, KubernetesConfig config, SandboxConfig sandboxConfig,
            ObjectMapper json, Clock clock, EgressProxy proxy) {
        this.proxy = proxy;
        this.clients = clients;
        this.config = config;
        this.sandboxConfig = sandboxConfig;
        this.json = json;
        this.clock = clock;
        String host = System.getenv("HOSTNAME");
        this.replica = host != null && !host.isBlank() ? host : UUID.randomUUID().toString().substring(0, 8);
    }

    @Override
    public String name() {
        return "kubernetes";
    }

    @Override
    public void start(SandboxSpec.Limits limits) {
        if (!PodLabels.isLabelValue(config.installation()) || config.installation().isEmpty()) {
            unavailableReason = "agentbox.kubernetes.installation '" + config.installation() + "' is not a valid "
                    + "label value (letters, digits, '-', '_' and '.', at most 63 characters)";
            return;
        }
        try {
            client = clients.get();
        } catch (RuntimeException e) {
            LOG.errorf(e, "The Kubernetes client cannot be created");
            unavailableReason = "the Kubernetes client cannot be created: " + e.getMessage();
            return;
        }
        String namespace = config.namespace().orElseGet(() -> Optional.ofNullable(client.getNamespace())
                .orElse("default"));
        cluster = new ClusterObjects(client, namespace, config.installation(), json, clock);
        templates = new PodTemplates(config);
        isolationProbe = new PodIsolationProbe(config);
        watch = new PodWatch(client, namespace, config.installation());
        SandboxNetworkPolicies policies;
        try {
            if (proxy != null) {
                egress = new PodEgress(proxy, config, json);
                watch.addHandler(egress);
                egress.start();
            }
            policies = new SandboxNetworkPolicies(config.installation(), cluster,
                    egress == null ? Optional.empty() : egress.proxyPort(), config.serverLabels());
        } catch (IllegalStateException | IllegalArgumentException e) {
            LOG.errorf("The Kubernetes backend cannot serve egress profiles [cause: %s]", e.getMessage());
            unavailableReason = e.getMessage();
            return;
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "agentbox-kubernetes");
            thread.setDaemon(true);
            return thread;
        });
        awaitWatch(watch.start());
        collector = new OrphanCollector(this, cluster, config, sandboxConfig, clock);
        warmPool = new WarmPool(this, cluster, templates, config, limits);
        pods = new ConversationPods(watch, cluster, templates, warmPool, config, clock, worker,
                policies, json);
        claims = new ConversationClaims(watch, cluster, config);
        scheduler.scheduleWithFixedDelay(this::checkWatch, 5, 5, TimeUnit.SECONDS);
        scheduler.scheduleWithFixedDelay(this::flushDiscarded, 10, 10, TimeUnit.SECONDS);
        long collect = Math.max(1, config.collectInterval().toSeconds());
        scheduler.scheduleWithFixedDelay(() -> background("collecting orphans", collector::collect), collect, collect,
                TimeUnit.SECONDS);
        if (config.warmPool() > 0) {
            scheduler.scheduleWithFixedDelay(() -> background("refilling the warm pool", warmPool::refill), 0, 10,
                    TimeUnit.SECONDS);
        }
        transfers = new PodTransfers(this, cluster, templates, pods, config);
        LOG.infof("Kubernetes backend on %s [namespace: %s, installation: %s, image: %s, runtime-class: %s, "
                + "warm-pool: %d, replica: %s]", client.getMasterUrl(), namespace, config.installation(),
                config.image(), config.runtimeClass(), config.warmPool(), replica);
    }

    /**
     * Stops the watch and the background tasks. Sandboxes keep running; they are found again by the next start.
     */
    @PreDestroy
    void stop() {
        ScheduledExecutorService timer = scheduler;
        if (timer != null) {
            timer.shutdownNow();
        }
        PodWatch podWatch = watch;
        if (podWatch != null) {
            podWatch.stop();
        }
    }

    /** Waits, at start-up only, for the watch's first list of pods, so that survivors can be found. */
    private void awaitWatch(java.util.concurrent.CompletionStage<Void> synced) {
        try {
            synced.toCompletableFuture().get(config.apiTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
            LOG.warnf("Sandbox pods cannot be listed yet; retrying in the background [cause: %s]",
                    e.getCause() == null ? e : e.getCause().getMessage());
        }
        unavailableReason = watch.hasSynced() ? null : unreachable();
    }

    /** Readiness follows the watch: unavailable while the API server cannot be watched. */
    private void checkWatch() {
        if (watch.isWatching()) {
            watchMisses = 0;
            unavailableReason = null;
        } else if (++watchMisses >= 3 || !watch.hasSynced()) {
            unavailableReason = unreachable();
        }
    }

    private String unreachable() {
        return "the Kubernetes API server at " + client.getMasterUrl() + " cannot be reached or refuses to list pods "
                + "in namespace " + cluster.namespace();
    }

    @Override
    public Isolation isolation() {
        PodIsolationProbe probe = isolationProbe;
        return probe == null ? PodIsolationProbe.notStarted() : probe.isolation();
    }

    @Override
    public String unavailableReason() {
        return unavailableReason;
    }

    @Override
    public Uni<Sandbox> open(SandboxSpec spec) {
        String reason = unavailableReason;
        if (reason != null) {
            return Uni.createFrom().failure(SandboxException.unavailable("No sandbox can be made now: " + reason, null));
        }
        long started = System.nanoTime();
        return pods.open(spec).map(prepared -> adopt(prepared, spec, started));
    }

    private Sandbox adopt(ConversationPods.Prepared prepared, SandboxSpec spec, long startedNanos) {
        Pod pod = prepared.pod();
        PodSandbox sandbox = new PodSandbox(this, spec.conversation(), pod, spec.limits(), PodLabels.egress(pod, json));
        PodSandbox previous = live.put(pod.getMetadata().getName(), sandbox);
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
        if (prepared.created()) {
            LOG.infof("Sandbox created [conversation: %s, sandbox: %s, took: %d ms]", spec.conversation().id(),
                    sandbox.id(), took);
        } else if (previous == null || !previous.uid().equals(sandbox.uid())) {
            LOG.infof("Sandbox adopted [conversation: %s, sandbox: %s]", spec.conversation().id(), sandbox.id());
        }
        if (sandbox.claim() != null) {
            background("marking the claim active", () -> cluster.markClaimActive(sandbox.claim()));
        }
        isolationProbe.measureOnce(sandbox, worker);
        return sandbox;
    }

    @Override
    public Uni<Void> restore(SandboxSpec spec, RestoreRequest request) {
        String reason = unavailableReason;
        PodTransfers started = transfers;
        if (reason != null || started == null) {
            return Uni.createFrom().failure(SandboxException.unavailable("No sandbox can be made now: "
                    + (reason != null ? reason : "the kubernetes backend has not started"), null));
        }
        return Uni.createFrom().<Void> item(() -> {
            started.restore(spec, request);
            return null;
        }).runSubscriptionOn(worker);
    }

    PodTransfers transfers() {
        return transfers;
    }

    @Override
    public List<SurvivingSandbox> survivors() {
        if (unavailableReason != null) {
            return List.of();
        }
        List<SurvivingSandbox> survivors = new ArrayList<>();
        for (Pod pod : watch.all()) {
            Map<String, String> annotations = annotations(pod);
            String principal = annotations.get(PodLabels.PRINCIPAL);
            String key = annotations.get(PodLabels.KEY);
            if (!labels(pod).containsKey(PodLabels.CONVERSATION) || principal == null || key == null) {
                continue;
            }
            if (PodWatch.isTerminal(pod)) {
                if (pod.getMetadata().getDeletionTimestamp() == null) {
                    LOG.infof("Sandbox found ended, cleaning up [pod: %s, phase: %s]", pod.getMetadata().getName(),
                            phase(pod));
                    background("deleting an ended pod", () -> cluster.deletePod(pod.getMetadata().getName(),
                            Duration.ZERO));
                }
                continue;
            }
            if (!PodWatch.isReady(pod)) {
                continue;
            }
            ConversationKey conversation = new ConversationKey(principal, key);
            if (!conversation.id().equals(labels(pod).get(PodLabels.CONVERSATION))) {
                continue;
            }
            PodSandbox sandbox = new PodSandbox(this, conversation, pod, sandboxConfig.toLimits(),
                    PodLabels.egress(pod, json));
            live.put(pod.getMetadata().getName(), sandbox);
            survivors.add(new SurvivingSandbox(conversation, sandbox));
        }
        return survivors;
    }

    /**
     * @return the conversations with a workspace claim of this installation; fails with {@link SandboxException}
     *         (unavailable) when the API server cannot list them
     */
    @Override
    public List<ConversationKey> conversations() {
        ConversationClaims known = claims;
        return known == null ? List.of() : known.conversations();
    }

    /**
     * Deletes the conversation's remaining pods and, with {@code workspace}, its workspace claim. Without it, the job
     * records and shell state go when the conversation's next sandbox starts, before its first call (see
     * {@link ConversationClaims}).
     */
    @Override
    public Uni<Void> delete(ConversationKey conversation, boolean workspace) {
        String reason = unavailableReason;
        if (reason != null) {
            return Uni.createFrom().failure(SandboxException.unavailable("The conversation cannot be deleted now: "
                    + reason, null));
        }
        return Uni.createFrom().<Void> item(() -> {
            for (String pod : claims.delete(conversation, workspace)) {
                live.remove(pod);
            }
            return null;
        }).runSubscriptionOn(worker);
    }

    /**
     * Deletes a sandbox's pod and waits (bounded) until the watch sees it gone; the claim stays, marked with the
     * time, for the retention.
     */
    Uni<Void> deletePod(String name, String uid, String claim) {
        Duration bound = config.terminationGrace().plus(config.apiTimeout().multipliedBy(2));
        return Uni.createFrom().item(() -> {
            Optional<Pod> cached = watch.get(name);
            if (cached.isEmpty() || uid.equals(cached.get().getMetadata().getUid())) {
                cluster.deletePod(name, config.terminationGrace());
            }
            return name;
        }).runSubscriptionOn(worker)
                .flatMap(ignored -> Uni.createFrom().completionStage(() -> watch.gone(name, uid))
                        .ifNoItem().after(bound).recoverWithItem((Pod) null))
                .invoke(() -> live.computeIfPresent(name, (n, s) -> s.uid().equals(uid) ? null : s))
                .onFailure().invoke(e -> LOG.warnf("Sandbox pod not deleted; the collector will retry [pod: %s, "
                        + "cause: %s]", name, e.getMessage()))
                .onFailure().recoverWithNull()
                // The claim's retention counts from now; done before completing, so that it is never marked later.
                .call(() -> Uni.createFrom().item(() -> {
                    if (claim != null) {
                        cluster.markClaimActive(claim);
                    }
                    return claim;
                }).runSubscriptionOn(worker).onFailure().invoke(e -> LOG.debugf("Claim not marked active [claim: %s, "
                        + "cause: %s]", claim, e.getMessage())).onFailure().recoverWithNull())
                .replaceWithVoid();
    }

    /**
     * @return why a sandbox's pod is no more, or {@code null} when the watch still sees it alive
     */
    String lossReason(String name, String uid) {
        Optional<Pod> pod = watch.get(name);
        if (pod.isEmpty()) {
            return "its pod was deleted";
        }
        Pod seen = pod.get();
        if (!uid.equals(seen.getMetadata().getUid())) {
            return "its pod was replaced";
        }
        if ("Evicted".equals(seen.getStatus() == null ? null : seen.getStatus().getReason())) {
            return "its pod was evicted: " + seen.getStatus().getMessage();
        }
        if (seen.getMetadata().getDeletionTimestamp() != null) {
            return "its pod is being deleted";
        }
        if (PodWatch.isTerminal(seen)) {
            return "its pod stopped (" + phase(seen) + ")";
        }
        return null;
    }

    /**
     * @return whether another replica used the pod within the idle timeout
     */
    boolean activeElsewhere(String name) {
        return watch.get(name).map(p -> {
            Map<String, String> annotations = annotations(p);
            String by = annotations.get(PodLabels.ACTIVE_BY);
            Instant at = instant(annotations.get(PodLabels.LAST_ACTIVE));
            return by != null && !by.equals(replica) && at != null
                    && at.plus(sandboxConfig.idleTimeout()).isAfter(clock.instant());
        }).orElse(false);
    }

    /** Marks a pod as used by this replica, off the caller's path. */
    void touch(String name) {
        background("marking the pod active", () -> cluster.markPodActive(name, replica));
    }

    /** One pass of the orphan collector now (it also runs every collect-interval). */
    void collectOrphans() {
        collector.collect();
    }

    private void flushDiscarded() {
        for (PodSandbox sandbox : live.values()) {
            try {
                sandbox.flushDiscarded();
            } catch (RuntimeException e) {
                LOG.debugf("Discarded exec records not removed yet [sandbox: %s, cause: %s]", sandbox.id(),
                        e.getMessage());
            }
        }
    }

    /** Runs blocking housekeeping on a worker thread; failures are logged, never thrown. */
    void background(String what, Runnable task) {
        worker.execute(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.warnf("Failed %s [cause: %s]", what, e.getMessage());
            }
        });
    }

    /** Runs a task on a worker thread after a delay. */
    void later(Duration delay, Runnable task) {
        ScheduledExecutorService timer = scheduler;
        if (timer != null && !timer.isShutdown()) {
            timer.schedule(() -> worker.execute(task), delay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    PodShell shell(String pod) {
        return new PodShell(client.getHttpClient(), client.getMasterUrl().toString(), cluster.namespace(), pod,
                config.apiTimeout());
    }

    /**
     * @return the sandboxes this server holds, by pod name
     */
    Map<String, PodSandbox> live() {
        return live;
    }

    /**
     * @return the variables an exec in a pod of this egress policy needs to reach the egress proxy; none for a policy
     *         without domain rules
     */
    Map<String, String> egressEnvironment(EgressPolicy policy) {
        PodEgress current = egress;
        return current == null ? Map.of() : current.environment(policy);
    }

    PodWatch watch() {
        return watch;
    }

    KubernetesConfig config() {
        return config;
    }

    ObjectMapper json() {
        return json;
    }

    Executor worker() {
        return worker;
    }

    String replica() {
        return replica;
    }

    static Map<String, String> labels(Pod pod) {
        return pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
    }

    static Map<String, String> annotations(io.fabric8.kubernetes.api.model.HasMetadata object) {
        return object.getMetadata().getAnnotations() == null ? Map.of() : object.getMetadata().getAnnotations();
    }

    static String phase(Pod pod) {
        return pod.getStatus() == null ? "Unknown" : pod.getStatus().getPhase();
    }

    static Instant instant(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
