package dev.agentbox.conversation;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;

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
    private final Instance<ConversationPolicies> policies;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    Conversations(SandboxBackend backend, SandboxConfig config, Clock clock, Instance<ConversationPolicies> policies) {
        this.backend = backend;
        this.config = config;
        this.clock = clock;
        this.policies = policies;
    }

    /**
     * @return the conversation's policy: the one recorded for it, else the server's default
     */
    public ConversationPolicy policy(ConversationKey key) {
        if (policies.isResolvable()) {
            Optional<ConversationPolicy> recorded = policies.get().recorded(key);
            if (recorded.isPresent()) {
                return recorded.get();
            }
        }
        return ConversationPolicy.of(config.toLimits());
    }

    /**
     * Runs work on a conversation's workspace while no sandbox of it runs. Its sandbox, if it has one, is stopped
     * first (its processes are killed, jobs included); calls that arrive meanwhile wait, and get a new sandbox once the
     * work is done. For work that changes the workspace under a sandbox's feet: a restore, a deletion.
     *
     * @param notice what the conversation's next call should be told afterwards, or {@code null}
     * @param work what to do once no sandbox runs
     * @return the work's result; {@code SANDBOX_UNAVAILABLE} when such work already runs for the conversation
     */
    public <T> Uni<T> exclusive(ConversationKey key, String notice, Supplier<Uni<T>> work) {
        return Uni.createFrom().deferred(() -> {
            Entry entry = entries.computeIfAbsent(key.id(), id -> new Entry(key));
            CompletableFuture<Void> released = new CompletableFuture<>();
            CompletableFuture<Sandbox> previous = entry.close(released);
            Uni<Void> stopped = previous == null ? Uni.createFrom().voidItem()
                    : Uni.createFrom().completionStage(previous).onFailure().recoverWithNull()
                            .flatMap(sandbox -> sandbox == null ? Uni.createFrom().voidItem() : sandbox.destroy());
            return stopped.flatMap(ignored -> work.get())
                    .onFailure(SandboxException.class).transform(Conversations::toToolFailure)
                    .onTermination().invoke((result, failure, cancelled) -> entry.reopen(released,
                            failure == null && !cancelled ? notice : null));
        });
    }

    /**
     * Deletes a conversation: stops its sandbox, then removes its job records, shell state and runtime files, and
     * with {@code workspace} its workspace and everything else. A later call with the same key starts afresh.
     */
    public Uni<Void> delete(ConversationKey key, boolean workspace) {
        return exclusive(key, null, () -> backend.provider().delete(key, workspace))
                .invoke(() -> entries.computeIfPresent(key.id(), (id, entry) -> entry.isVacant() ? null : entry));
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
            ConversationPolicy policy = policy(key);
            return Uni.createFrom().item(new SandboxInfo(key.key(), key.id(), key.principal(), provider.name(),
                    sandbox.id(), "/workspace", provider.isolation(), policy.memoryBytes(), policy.pids(),
                    policy.cpuMillis() / 1000.0, policy.egress(), config.idleTimeout().toSeconds()));
        });
    }

    /**
     * @return the sandboxes running now
     */
    public List<Sandbox> liveSandboxes() {
        return entries.values().stream().map(Entry::current).filter(java.util.Objects::nonNull).toList();
    }

    /**
     * Takes the notice left for a conversation whose previous sandbox was stopped or lost, once.
     *
     * @return what the agent should know about its sandbox, or empty
     */
    public Optional<String> takeNotice(ConversationKey key) {
        Entry entry = entries.get(key.id());
        return entry == null ? Optional.empty() : entry.takeNotice();
    }

    /**
     * Stops sandboxes past their maximum lifetime, and sandboxes idle longer than the idle timeout: no call in
     * flight, no job running, no call for that long.
     */
    @Scheduled(every = "${agentbox.sandbox.reap-interval:30S}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void reap() {
        Instant now = clock.instant();
        for (Entry entry : entries.values()) {
            Sandbox current = entry.current();
            if (current == null) {
                continue;
            }
            String reason = null;
            if (entry.startedAt.plus(config.maxLifetime()).isBefore(now)) {
                reason = "it reached the maximum lifetime of " + human(config.maxLifetime());
            } else if (entry.idleSince(now, config.idleTimeout()) && !current.isBusy()) {
                reason = "it was idle for more than " + human(config.idleTimeout());
            }
            if (reason != null && entry.take(current, reason, now)) {
                LOG.infof("Sandbox stopped [conversation: %s, sandbox: %s, reason: %s]", entry.key.id(), current.id(),
                        reason);
                current.destroy().await().atMost(Duration.ofSeconds(30));
            }
        }
    }

    private static String human(Duration duration) {
        return duration.toSeconds() % 3600 == 0 ? duration.toHours() + " h"
                : duration.toSeconds() % 60 == 0 ? duration.toMinutes() + " min" : duration.toSeconds() + " s";
    }

    /**
     * Stops every sandbox this server holds, calls in flight or not. Used on shutdown when sandboxes should not outlive
     * the server, and by tests.
     */
    public void stopAll() {
        List<Sandbox> stopped = new ArrayList<>();
        for (Entry entry : entries.values()) {
            Sandbox sandbox = entry.current();
            if (sandbox != null && entry.take(sandbox, "the server stopped", clock.instant())) {
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
        private Instant startedAt;
        private int inFlight;
        private Instant lastActivity;
        private String notice;
        /** Not done while exclusive work runs on the workspace. */
        private CompletableFuture<Void> exclusive;

        Entry(ConversationKey key) {
            this.key = key;
            this.lastActivity = clock.instant();
        }

        synchronized CompletableFuture<Sandbox> begin() {
            inFlight++;
            lastActivity = clock.instant();
            Sandbox running = current();
            if (running != null && !running.isAlive()) {
                LOG.infof("Sandbox replaced [conversation: %s, sandbox: %s, reason: its init died]", key.id(),
                        running.id());
                notice = "This conversation's previous sandbox was lost (its init process died): processes that ran "
                        + "in it and its /tmp are gone; /workspace and the job records are intact.";
            }
            if (running == null || !running.isAlive()) {
                if (sandbox == null || sandbox.isDone()) {
                    startedAt = clock.instant();
                    sandbox = exclusive != null && !exclusive.isDone()
                            ? exclusive.thenCompose(ignored -> open().subscribeAsCompletionStage())
                            : open().subscribeAsCompletionStage();
                }
            }
            return sandbox;
        }

        private Uni<Sandbox> open() {
            return backend.provider().open(new SandboxSpec(key, policy(key).limits()));
        }

        /**
         * Starts exclusive work: detaches the sandbox (the caller destroys it) and makes calls wait for
         * {@code released}.
         *
         * @return the sandbox, possibly still starting, or {@code null}
         */
        synchronized CompletableFuture<Sandbox> close(CompletableFuture<Void> released) {
            if (exclusive != null && !exclusive.isDone()) {
                throw new ToolFailure(Reason.SANDBOX_UNAVAILABLE, "Another restore or deletion of this "
                        + "conversation is in progress; try again when it has finished.");
            }
            exclusive = released;
            CompletableFuture<Sandbox> previous = sandbox;
            sandbox = null;
            return previous;
        }

        /** Ends exclusive work: waiting calls go on. */
        void reopen(CompletableFuture<Void> released, String message) {
            synchronized (this) {
                if (message != null) {
                    notice = message;
                }
            }
            released.complete(null);
        }

        /** @return whether nothing of the conversation is running, starting or waiting here */
        synchronized boolean isVacant() {
            return sandbox == null && inFlight == 0 && (exclusive == null || exclusive.isDone());
        }

        synchronized void end() {
            inFlight--;
            lastActivity = clock.instant();
        }

        /** @return the running sandbox, or {@code null} while there is none (or it is still being created) */
        synchronized Sandbox current() {
            return sandbox != null && sandbox.isDone() && !sandbox.isCompletedExceptionally() ? sandbox.join() : null;
        }

        synchronized boolean idleSince(Instant now, Duration timeout) {
            return inFlight == 0 && !lastActivity.plus(timeout).isAfter(now);
        }

        synchronized void adopt(Sandbox survivor) {
            sandbox = CompletableFuture.completedFuture(survivor);
            startedAt = clock.instant();
            lastActivity = startedAt;
        }

        /**
         * Detaches the sandbox if it is still the current one, and leaves a notice for the conversation's next call.
         *
         * @return whether it was detached (and the caller must destroy it)
         */
        synchronized boolean take(Sandbox expected, String reason, Instant now) {
            if (current() != expected) {
                return false;
            }
            sandbox = null;
            notice = "This conversation's previous sandbox was stopped at " + now.truncatedTo(
                    java.time.temporal.ChronoUnit.SECONDS) + " because " + reason + ": processes that ran in it and "
                    + "its /tmp are gone; /workspace and the job records are intact.";
            return true;
        }

        synchronized Optional<String> takeNotice() {
            String taken = notice;
            notice = null;
            return Optional.ofNullable(taken);
        }
    }
}
