package dev.agentbox.conversation;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import dev.agentbox.sandbox.Sandbox;
import dev.agentbox.sandbox.SandboxBackend;
import dev.agentbox.sandbox.SandboxConfig;
import dev.agentbox.sandbox.SandboxException;
import dev.agentbox.sandbox.SandboxProvider;
import dev.agentbox.sandbox.SandboxSpec;
import dev.agentbox.sandbox.SurvivingSandbox;
import dev.agentbox.toolcall.Reason;
import dev.agentbox.toolcall.ToolFailure;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;

/**
 * The conversations this server serves, each with at most one sandbox: created on the first call (exactly once, even
 * when first calls race), replaced when it died, and stopped when idle. Workspaces are left alone throughout.
 */
@ApplicationScoped
public class Conversations {

    private static final Logger LOG = Logger.getLogger(Conversations.class);

    private final SandboxBackend backend;
    private final SandboxConfig config;
    private final Clock clock;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    Conversations(SandboxBackend backend, SandboxConfig config, Clock clock) {
        this.backend = backend;
        this.config = config;
        this.clock = clock;
    }

    /**
     * Runs work in the conversation's sandbox, starting the sandbox when it has none. While the work runs the
     * sandbox counts as active and is never reaped.
     *
     * @param key the conversation
     * @param work what to do with the sandbox
     * @return the work's result; sandbox failures become {@code SANDBOX_UNAVAILABLE} or {@code SANDBOX_LOST}
     */
    public <T> Uni<T> withSandbox(ConversationKey key, Function<Sandbox, Uni<T>> work) {
        return Uni.createFrom().deferred(() -> {
            Entry entry = entries.computeIfAbsent(key.id(), id -> new Entry(key));
            CompletableFuture<Sandbox> sandbox = entry.begin();
            return Uni.createFrom().completionStage(sandbox)
                    .onFailure().transform(Conversations::toToolFailure)
                    .flatMap(s -> work.apply(s))
                    .onFailure(SandboxException.class).transform(Conversations::toToolFailure)
                    .onTermination().invoke(entry::end);
        });
    }

    /**
     * Describes the conversation and its sandbox, starting the sandbox when it has none.
     */
    public Uni<SandboxInfo> info(ConversationKey key) {
        return withSandbox(key, sandbox -> {
            SandboxProvider provider = backend.provider();
            SandboxConfig.LimitsConfig limits = config.limits();
            return Uni.createFrom().item(new SandboxInfo(key.key(), key.id(), key.principal(), provider.name(),
                    sandbox.id(), "/workspace", provider.isolation(), limits.memory().asLongValue(), limits.pids(),
                    limits.cpus(), "none", config.idleTimeout().toSeconds()));
        });
    }

    /**
     * @return how many conversations have a sandbox now
     */
    public int liveSandboxes() {
        return (int) entries.values().stream().filter(Entry::hasSandbox).count();
    }

    /** Stops sandboxes that have been idle longer than the idle timeout. */
    @Scheduled(every = "${agentbox.sandbox.reap-interval:30S}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void reapIdle() {
        Instant now = clock.instant();
        for (Entry entry : entries.values()) {
            Sandbox idle = entry.takeIfIdle(now, config.idleTimeout());
            if (idle != null) {
                LOG.infof("Sandbox stopped [conversation: %s, sandbox: %s, reason: idle for more than %s]",
                        entry.key.id(), idle.id(), config.idleTimeout());
                idle.destroy().await().atMost(Duration.ofSeconds(30));
            }
        }
    }

    /**
     * Stops every sandbox this server holds, calls in flight or not. Used on shutdown when sandboxes should not outlive
     * the server, and by tests.
     */
    public void stopAll() {
        List<Sandbox> stopped = new ArrayList<>();
        for (Entry entry : entries.values()) {
            Sandbox sandbox = entry.take();
            if (sandbox != null) {
                stopped.add(sandbox);
            }
        }
        for (Sandbox sandbox : stopped) {
            sandbox.destroy().await().atMost(Duration.ofSeconds(30));
        }
        LOG.debugf("Sandboxes stopped [count: %d]", stopped.size());
    }

    void onStart(@Observes @Priority(20) StartupEvent event) {
        int adopted = 0;
        for (SurvivingSandbox survivor : backend.provider().survivors()) {
            if (config.adoptSurvivors()) {
                entries.computeIfAbsent(survivor.conversation().id(), id -> new Entry(survivor.conversation()))
                        .adopt(survivor.sandbox());
                adopted++;
            } else {
                LOG.infof("Sandbox stopped [conversation: %s, sandbox: %s, reason: survivor of an earlier server]",
                        survivor.conversation().id(), survivor.sandbox().id());
                survivor.sandbox().destroy().await().atMost(Duration.ofSeconds(30));
            }
        }
        if (adopted > 0) {
            LOG.infof("Sandboxes of an earlier server taken over [count: %d]", adopted);
        }
    }

    void onShutdown(@Observes ShutdownEvent event) {
        if (!config.keepOnShutdown()) {
            stopAll();
        }
    }

    private static Throwable toToolFailure(Throwable failure) {
        if (failure instanceof ToolFailure) {
            return failure;
        }
        if (failure instanceof SandboxException se) {
            return se.isLost()
                    ? new ToolFailure(Reason.SANDBOX_LOST, se.getMessage()
                            + "; the next call starts a new sandbox on the same workspace.")
                    : new ToolFailure(Reason.SANDBOX_UNAVAILABLE, se.getMessage());
        }
        return failure;
    }

    /** One conversation's sandbox and activity. Transitions happen under the entry's lock. */
    private final class Entry {

        private final ConversationKey key;
        private CompletableFuture<Sandbox> sandbox;
        private int inFlight;
        private Instant lastActivity;

        Entry(ConversationKey key) {
            this.key = key;
            this.lastActivity = clock.instant();
        }

        synchronized CompletableFuture<Sandbox> begin() {
            inFlight++;
            lastActivity = clock.instant();
            if (sandbox == null || sandbox.isCompletedExceptionally() || (sandbox.isDone() && !sandbox.join().isAlive())) {
                if (sandbox != null && sandbox.isDone() && !sandbox.isCompletedExceptionally()) {
                    LOG.infof("Sandbox replaced [conversation: %s, sandbox: %s, reason: its init died]", key.id(),
                            sandbox.join().id());
                }
                sandbox = backend.provider().open(new SandboxSpec(key, config.toLimits())).subscribeAsCompletionStage();
            }
            return sandbox;
        }

        synchronized void end() {
            inFlight--;
            lastActivity = clock.instant();
        }

        synchronized boolean hasSandbox() {
            return sandbox != null && sandbox.isDone() && !sandbox.isCompletedExceptionally();
        }

        synchronized void adopt(Sandbox survivor) {
            sandbox = CompletableFuture.completedFuture(survivor);
            lastActivity = clock.instant();
        }

        /** Detaches the sandbox when nothing runs and the last activity is older than the timeout. */
        synchronized Sandbox takeIfIdle(Instant now, Duration timeout) {
            if (inFlight > 0 || lastActivity.plus(timeout).isAfter(now)) {
                return null;
            }
            return take();
        }

        /** Detaches the sandbox, whatever runs in it. */
        synchronized Sandbox take() {
            if (!hasSandbox()) {
                return null;
            }
            Sandbox taken = sandbox.join();
            sandbox = null;
            return taken;
        }
    }
}
