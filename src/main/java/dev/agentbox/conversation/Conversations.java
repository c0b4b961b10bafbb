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
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;

import org.jboss.logging.Logger;

import dev.agentbox.egress.EgressPolicy;
import dev.agentbox.egress.EgressProfiles;
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
    private final EgressProfiles egressProfiles;
    private final Instance<ConversationPolicies> policies;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final Map<String, Object> principalLocks = new ConcurrentHashMap<>();
    private final Event<SandboxEvent> events;
    private final Instance<SandboxAdmission> admission;

    Conversations(SandboxBackend backend, SandboxConfig config, Clock clock, Event<SandboxEvent> events,
            Instance<SandboxAdmission> admission, EgressProfiles egressProfiles,
            Instance<ConversationPolicies> policies) {
        this.backend = backend;
        this.config = config;
        this.clock = clock;
        this.events = events;
        this.admission = admission;
        this.egressProfiles = egressProfiles;
        this.policies = policies;
    }

    /**
     * Records the egress profile a call names for its conversation, for as long as the call runs: a sandbox started
     * meanwhile gets it, and later sandboxes of the conversation too (until a call names another). A profile cannot
     * change while a sandbox runs.
     *
     * @param key the conversation
     * @param profile the profile the call names, or {@code null} when it names none
     * @return what to run when the call ends
     * @throws dev.agentbox.toolcall.ToolFailure for an unknown profile ({@code INVALID_ARGUMENT}), one the principal may
     *         not use ({@code FORBIDDEN}), or one other than the running sandbox's ({@code INVALID_ARGUMENT})
     */
    public Runnable chooseEgress(ConversationKey key, String profile) {
        if (profile == null) {
            return () -> {
            };
        }
        EgressPolicy policy = egressProfiles.choose(key.principal(), profile);
        Entry entry = entries.computeIfAbsent(key.id(), id -> new Entry(key));
        entry.claim(policy);
        return entry::unclaim;
    }

    /**
     * @return the conversation's policy: the one recorded for it (a fork's), else the server's default; its egress is
     *         the profile the conversation's calls chose last, if any
     */
    public ConversationPolicy policy(ConversationKey key) {
        ConversationPolicy policy = null;
        if (policies.isResolvable()) {
            policy = policies.get().recorded(key).orElse(null);
        }
        if (policy == null) {
            policy = ConversationPolicy.of(config.toLimits(), egressProfiles.defaultPolicy().profile());
        }
        Entry entry = entries.get(key.id());
        EgressPolicy chosen = entry == null ? null : entry.chosenEgress();
        return chosen == null ? policy : policy.withEgress(chosen.profile());
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
                            .flatMap(sandbox -> sandbox == null ? Uni.createFrom().voidItem()
                                    : sandbox.destroy().invoke(() -> fire(SandboxEvent.Kind.STOPPED, key,
                                            sandbox.id(), "its workspace is restored or deleted", null)));
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
                    policy.cpuMillis() / 1000.0, sandbox.egress().profile(), sandbox.egress().rules(),
                    config.idleTimeout().toSeconds()));
        });
    }

    /**
     * @return the sandboxes running now
     */
    public List<Sandbox> liveSandboxes() {
        return entries.values().stream().map(Entry::current).filter(java.util.Objects::nonNull).toList();
    }

    /**
     * @return the id of the conversation's running sandbox, or {@code null} when it has none
     */
    public String sandboxId(ConversationKey key) {
        Entry entry = entries.get(key.id());
        Sandbox current = entry == null ? null : entry.current();
        return current == null ? null : current.id();
    }

    /**
     * A conversation this server process has served, as administrators see it.
     *
     * @param key the conversation
     * @param sandboxId its running sandbox, or {@code null}
     * @param lastActivity when its last call started or ended
     * @param callsInFlight how many of its calls run now
     */
    public record Served(ConversationKey key, String sandboxId, Instant lastActivity, int callsInFlight) {
    }

    /**
     * @return every conversation this server process has served or taken over, with its sandbox
     */
    public List<Served> served() {
        return entries.values().stream().map(Entry::served).toList();
    }

    /**
     * @return the conversation this server knows by its id, if any
     */
    public Optional<ConversationKey> byId(String conversationId) {
        Entry entry = conversationId == null ? null : entries.get(conversationId);
        return entry == null ? Optional.empty() : Optional.of(entry.key);
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
                stopped(entry.key, current, reason);
            }
        }
    }

    private void stopped(ConversationKey key, Sandbox sandbox, String reason) {
        LOG.infof("Sandbox stopped [conversation: %s, sandbox: %s, reason: %s]", key.id(), sandbox.id(), reason);
        sandbox.destroy().await().atMost(Duration.ofSeconds(30));
        fire(SandboxEvent.Kind.STOPPED, key, sandbox.id(), reason, null);
    }

    private void fire(SandboxEvent.Kind kind, ConversationKey key, String sandboxId, String reason, Duration took) {
        try {
            events.fire(new SandboxEvent(kind, key, sandboxId, reason, took));
        } catch (RuntimeException e) {
            LOG.errorf(e, "A sandbox event observer failed [event: %s, conversation: %s]", kind, key.id());
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
        List<Entry> stopped = new ArrayList<>();
        List<Sandbox> sandboxes = new ArrayList<>();
        for (Entry entry : entries.values()) {
            Sandbox sandbox = entry.current();
            if (sandbox != null && entry.take(sandbox, "the server stopped", clock.instant())) {
                stopped.add(entry);
                sandboxes.add(sandbox);
            }
        }
        for (int i = 0; i < stopped.size(); i++) {
            sandboxes.get(i).destroy().await().atMost(Duration.ofSeconds(30));
            fire(SandboxEvent.Kind.STOPPED, stopped.get(i).key, sandboxes.get(i).id(), "the server stopped", null);
        }
        LOG.debugf("Sandboxes stopped [count: %d]", stopped.size());
    }

    void onStart(@Observes @Priority(20) StartupEvent event) {
        int adopted = 0;
        for (SurvivingSandbox survivor : backend.provider().survivors()) {
            if (!egressProfiles.isCurrent(survivor.sandbox().egress())) {
                LOG.infof("Sandbox stopped [conversation: %s, sandbox: %s, reason: its egress profile '%s' changed or "
                        + "is gone]", survivor.conversation().id(), survivor.sandbox().id(),
                        survivor.sandbox().egress().profile());
                survivor.sandbox().destroy().await().atMost(Duration.ofSeconds(30));
            } else if (config.adoptSurvivors()) {
                entries.computeIfAbsent(survivor.conversation().id(), id -> new Entry(survivor.conversation()))
                        .adopt(survivor.sandbox());
                fire(SandboxEvent.Kind.ADOPTED, survivor.conversation(), survivor.sandbox().id(),
                        "it outlived an earlier server process", null);
                adopted++;
            } else {
                stopped(survivor.conversation(), survivor.sandbox(), "survivor of an earlier server");
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

    /** Asks the admission (quotas) whether the conversation's principal may have one more sandbox. */
    private void admit(ConversationKey key) {
        if (admission.isUnsatisfied()) {
            return;
        }
        synchronized (principalLocks.computeIfAbsent(key.principal(), p -> new Object())) {
            int running = (int) entries.values().stream()
                    .filter(e -> e.holdsSandbox && e.key.principal().equals(key.principal())).count();
            admission.get().admit(key, running);
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
                    : new ToolFailure(Reason.SANDBOX_UNAVAILABLE, se.getMessage() + "; nothing ran. Try again "
                            + "later; the server's readiness check (/q/health/ready) says whether sandboxes can run.");
        }
        return failure;
    }

    /** One conversation's sandbox and activity. Transitions happen under the entry's lock. */
    private final class Entry {

        private final ConversationKey key;
        /** Whether this conversation counts against its principal's sandboxes: it has one, or one is being made. */
        private volatile boolean holdsSandbox;
        private CompletableFuture<Sandbox> sandbox;
        /** The egress rules of the running (or starting) sandbox. */
        private EgressPolicy sandboxEgress;
        /** The profile calls named last, for the next sandbox; {@code null} for the default. */
        private EgressPolicy chosenEgress;
        /** Calls in flight that named {@link #chosenEgress}. */
        private int egressClaims;
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
            Sandbox running = current();
            boolean starts = (running == null || !running.isAlive()) && (sandbox == null || sandbox.isDone());
            EgressPolicy egress = starts ? nextEgress() : null;
            if (starts && !holdsSandbox) {
                admit(key);
                holdsSandbox = true;
            }
            inFlight++;
            lastActivity = clock.instant();
            if (running != null && !running.isAlive()) {
                LOG.infof("Sandbox replaced [conversation: %s, sandbox: %s, reason: its init died]", key.id(),
                        running.id());
                notice = "This conversation's previous sandbox was lost (its init process died): processes that ran "
                        + "in it and its /tmp are gone; /workspace and the job records are intact.";
                fire(SandboxEvent.Kind.REPLACED, key, running.id(), "its init process died", null);
            }
            if (starts) {
                startedAt = clock.instant();
                sandboxEgress = egress;
                long opening = System.nanoTime();
                CompletableFuture<Sandbox> opened = exclusive != null && !exclusive.isDone()
                        ? exclusive.thenCompose(ignored -> open(egress))
                        : open(egress);
                sandbox = opened;
                opened.whenComplete((created, failure) -> {
                    Duration took = Duration.ofNanos(System.nanoTime() - opening);
                    if (failure == null) {
                        fire(SandboxEvent.Kind.CREATED, key, created.id(), null, took);
                        return;
                    }
                    synchronized (this) {
                        if (sandbox == opened) {
                            holdsSandbox = false;
                        }
                    }
                    fire(SandboxEvent.Kind.FAILED, key, null, failure.getMessage(), took);
                });
            }
            return sandbox;
        }

        /** The limits are read when the sandbox starts, after any exclusive work that records them. */
        private CompletableFuture<Sandbox> open(EgressPolicy egress) {
            return backend.provider().open(new SandboxSpec(key, policy(key).limits(), egress))
                    .subscribeAsCompletionStage();
        }

        /** The egress of a new sandbox: what calls chose last, else the conversation's recorded profile. */
        private EgressPolicy nextEgress() {
            if (chosenEgress != null) {
                return chosenEgress;
            }
            String recorded = policy(key).egress();
            EgressPolicy fallback = egressProfiles.defaultPolicy();
            return recorded == null || recorded.equals(fallback.profile()) ? fallback
                    : egressProfiles.choose(key.principal(), recorded);
        }

        synchronized EgressPolicy chosenEgress() {
            return chosenEgress;
        }

        synchronized Served served() {
            Sandbox current = current();
            return new Served(key, current == null ? null : current.id(), lastActivity, inFlight);
        }

        synchronized void claim(EgressPolicy policy) {
            EgressPolicy fixed = null;
            if (sandbox != null && !sandbox.isDone()) {
                fixed = sandboxEgress;
            } else if (current() != null && current().isAlive()) {
                fixed = current().egress();
            } else if (egressClaims > 0 && chosenEgress != null) {
                fixed = chosenEgress;
            }
            if (fixed != null && !fixed.profile().equals(policy.profile())) {
                throw ToolFailure.invalid("This conversation's sandbox runs with egress profile '" + fixed.profile()
                        + "', fixed when it was created; it cannot change to '" + policy.profile() + "' while the "
                        + "sandbox runs. Use another conversation for '" + policy.profile() + "', or name no profile.");
            }
            chosenEgress = policy;
            egressClaims++;
        }

        synchronized void unclaim() {
            egressClaims--;
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
            holdsSandbox = false;
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
            holdsSandbox = true;
            sandbox = CompletableFuture.completedFuture(survivor);
            sandboxEgress = survivor.egress();
            chosenEgress = survivor.egress();
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
            holdsSandbox = false;
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
