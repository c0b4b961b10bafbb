package dev.agentbox.checkpoint;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.agentbox.conversation.ConversationKey;
import dev.agentbox.conversation.Conversations;
import dev.agentbox.sandbox.ArchiveRequest;
import dev.agentbox.sandbox.RestoreRequest;
import dev.agentbox.sandbox.SandboxBackend;
import dev.agentbox.sandbox.SandboxSpec;
import dev.agentbox.toolcall.Reason;
import dev.agentbox.toolcall.ToolFailure;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Makes, lists, restores and deletes checkpoints. The sandbox backend moves the files (archiving inside the running
 * sandbox, extracting into a fresh workspace); the store keeps the archives; {@link Lineage} decides who sees what.
 * Quotas, retention and names are enforced here, once for both surfaces.
 */
@ApplicationScoped
public class Checkpoints {

    private static final Logger LOG = Logger.getLogger(Checkpoints.class);

    private final CheckpointStores stores;
    private final Lineage lineage;
    private final Conversations conversations;
    private final SandboxBackend backend;
    private final CheckpointConfig config;
    private final Clock clock;
    private final Map<String, Object> principalLocks = new ConcurrentHashMap<>();

    Checkpoints(CheckpointStores stores, Lineage lineage, Conversations conversations, SandboxBackend backend,
            CheckpointConfig config, Clock clock) {
        this.stores = stores;
        this.lineage = lineage;
        this.conversations = conversations;
        this.backend = backend;
        this.config = config;
        this.clock = clock;
    }

    /**
     * Saves workspace paths (or the whole workspace) of the caller's conversation as a new checkpoint.
     */
    public Uni<CheckpointResults.Saved> persist(ConversationKey caller, String name, List<String> paths) {
        return Uni.createFrom().deferred(() -> {
            String checked = CheckpointNames.check(name);
            List<String> normalized = WorkspacePaths.normalize(paths);
            return blocking(() -> reserve(caller, checked)).flatMap(plan -> conversations
                    .withSandbox(caller, sandbox -> sandbox.archive(new ArchiveRequest(normalized,
                            plan.draft().archive(), plan.limit(), config.timeout())))
                    .onFailure().call(failure -> blocking(() -> {
                        plan.store().discard(plan.draft());
                        return null;
                    }))
                    // A caller that goes away (a REST client disconnecting) must not leave the draft behind either.
                    .onCancellation().invoke(() -> Infrastructure.getDefaultWorkerPool()
                            .execute(() -> plan.store().discard(plan.draft())))
                    .onFailure().transform(failure -> CheckpointFailures.ofArchive(failure, plan.quotaBound()))
                    .flatMap(archived -> blocking(() -> commit(caller, checked, normalized, plan,
                            archived.warnings()))))
                    .onFailure().transform(failure -> CheckpointFailures.of(failure, false));
        });
    }

    /**
     * @return the checkpoints the caller's conversation may restore, newest first
     */
    public Uni<CheckpointResults.Listing> list(ConversationKey caller) {
        return blocking(() -> {
            CheckpointStore store = stores.store();
            try {
                retain(store, caller.principal());
            } catch (CheckpointStoreException e) {
                // Listing works on a store that cannot be written; retention catches up later.
                LOG.warnf("Checkpoint retention failed [cause: %s]", e.getMessage());
            }
            List<Checkpoint> all = store.list(caller.principal());
            long used = all.stream().mapToLong(Checkpoint::sizeBytes).sum();
            return new CheckpointResults.Listing(all.stream().filter(c -> lineage.canSee(caller, c))
                    .map(CheckpointResults.Entry::of).toList(), used, config.maxTotalSize().asLongValue(),
                    config.maxCount());
        });
    }

    /**
     * Restores a checkpoint into the caller's conversation: the paths it holds (or the chosen ones among them)
     * replace the same paths of the workspace, atomically. The conversation's sandbox is stopped first.
     */
    public Uni<CheckpointResults.Restored> restore(ConversationKey caller, String name, List<String> paths) {
        return Uni.createFrom().deferred(() -> {
            String checked = CheckpointNames.check(name);
            List<String> chosen = WorkspacePaths.normalize(paths);
            return blocking(() -> {
                Checkpoint checkpoint = visible(caller, checked);
                List<String> replaced = replaced(checkpoint, chosen);
                return new Verified(checkpoint, replaced, stores.store().verified(checkpoint));
            }).onFailure().transform(failure -> CheckpointFailures.of(failure, false)).flatMap(verified -> {
                String notice = "This conversation's sandbox was restarted at " + clock.instant().truncatedTo(
                        java.time.temporal.ChronoUnit.SECONDS) + " because checkpoint '" + checked + "' was "
                        + "restored into /workspace: processes that ran in it and its /tmp are gone.";
                SandboxSpec spec = new SandboxSpec(caller, conversations.policy(caller).limits());
                return conversations.exclusive(caller, notice, () -> backend.provider().restore(spec,
                        new RestoreRequest(verified.archive(), verified.replaced(), config.timeout())))
                        .onFailure().transform(failure -> CheckpointFailures.of(failure, false))
                        .map(ignored -> {
                            LOG.debugf("Checkpoint restored [conversation: %s, checkpoint: %s]", caller.id(),
                                    checked);
                            return new CheckpointResults.Restored(CheckpointResults.Entry.of(verified.checkpoint()),
                                    caller.key(), verified.replaced());
                        });
            });
        });
    }

    /**
     * Deletes one of the checkpoints the caller's conversation may see.
     */
    public Uni<CheckpointResults.Deleted> delete(ConversationKey caller, String name) {
        return Uni.createFrom().deferred(() -> {
            String checked = CheckpointNames.check(name);
            return blocking(() -> {
                Checkpoint checkpoint = visible(caller, checked);
                synchronized (lock(caller.principal())) {
                    stores.store().delete(checkpoint);
                }
                return new CheckpointResults.Deleted(checked, checkpoint.sizeBytes());
            }).onFailure().transform(failure -> CheckpointFailures.of(failure, false));
        });
    }

    /**
     * Deletes checkpoints past the age limit, for every principal.
     */
    @Scheduled(every = "1h", delayed = "1m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void sweep() {
        try {
            CheckpointStore store = stores.store();
            for (String principal : store.principals()) {
                retain(store, principal);
            }
        } catch (RuntimeException e) {
            LOG.warnf("Checkpoint retention sweep failed [cause: %s]", e.getMessage());
        }
    }

    /** The caller's checkpoint of that name; an invisible one is as unknown as one that never existed. */
    private Checkpoint visible(ConversationKey caller, String name) {
        return stores.store().find(caller.principal(), name).filter(c -> lineage.canSee(caller, c))
                .orElseThrow(() -> ToolFailure.notFound("There is no checkpoint named '" + name
                        + "' that this conversation can use; list_checkpoints shows them."));
    }

    /** The paths a restore replaces: the chosen ones, which the checkpoint must hold, or all it holds. */
    private static List<String> replaced(Checkpoint checkpoint, List<String> chosen) {
        if (chosen.isEmpty()) {
            return checkpoint.paths();
        }
        if (!checkpoint.isWholeWorkspace()) {
            for (String path : chosen) {
                if (!WorkspacePaths.within(path, checkpoint.paths())) {
                    throw ToolFailure.notFound("Checkpoint '" + checkpoint.name() + "' does not hold '" + path
                            + "'; it holds " + String.join(", ", checkpoint.paths()) + ".");
                }
            }
        }
        return chosen;
    }

    /** Reserves a draft with the size the new archive may reach: the smaller of the limit and what the quota leaves. */
    private Plan reserve(ConversationKey caller, String name) {
        CheckpointStore store = stores.store();
        if (store.find(caller.principal(), name).isPresent()) {
            throw new ToolFailure(Reason.ALREADY_EXISTS, "A checkpoint named '" + name + "' exists already; choose "
                    + "another name, or delete_checkpoint it first.");
        }
        retain(store, caller.principal());
        long left = config.maxTotalSize().asLongValue() - used(store, caller.principal());
        if (left <= 0) {
            throw quotaExceeded(store, caller.principal(), 0);
        }
        long limit = Math.min(config.maxSize().asLongValue(), left);
        return new Plan(store, store.draft(caller.principal()), limit, limit < config.maxSize().asLongValue());
    }

    private CheckpointResults.Saved commit(ConversationKey caller, String name, List<String> paths, Plan plan,
            List<String> warnings) {
        try {
            synchronized (lock(caller.principal())) {
                long size = java.nio.file.Files.size(plan.draft().archive());
                if (used(plan.store(), caller.principal()) + size > config.maxTotalSize().asLongValue()) {
                    plan.store().discard(plan.draft());
                    throw quotaExceeded(plan.store(), caller.principal(), size);
                }
                Checkpoint checkpoint = plan.store().commit(plan.draft(), name, caller.key(), paths,
                        clock.instant());
                List<String> deleted = retain(plan.store(), caller.principal());
                LOG.debugf("Checkpoint saved [conversation: %s, checkpoint: %s, bytes: %d]", caller.id(), name,
                        checkpoint.sizeBytes());
                return new CheckpointResults.Saved(CheckpointResults.Entry.of(checkpoint), warnings, deleted);
            }
        } catch (java.io.IOException e) {
            plan.store().discard(plan.draft());
            throw new ToolFailure(Reason.STORE_UNAVAILABLE, "The new checkpoint cannot be read back from the store: "
                    + e.getMessage());
        } catch (CheckpointStoreException e) {
            throw (RuntimeException) CheckpointFailures.of(e, false);
        }
    }

    /**
     * Applies retention to a principal's checkpoints: those past the age limit go, then the oldest past the count.
     *
     * @return the names deleted
     */
    private List<String> retain(CheckpointStore store, String principal) {
        List<String> deleted = new ArrayList<>();
        synchronized (lock(principal)) {
            Instant oldest = clock.instant().minus(config.maxAge());
            int kept = 0;
            for (Checkpoint checkpoint : store.list(principal)) {
                if (checkpoint.createdAt().isBefore(oldest) || kept >= config.maxCount()) {
                    store.delete(checkpoint);
                    deleted.add(checkpoint.name());
                } else {
                    kept++;
                }
            }
        }
        if (!deleted.isEmpty()) {
            LOG.infof("Checkpoints deleted by retention [count: %d]", deleted.size());
        }
        return deleted;
    }

    private static long used(CheckpointStore store, String principal) {
        return store.list(principal).stream().mapToLong(Checkpoint::sizeBytes).sum();
    }

    private ToolFailure quotaExceeded(CheckpointStore store, String principal, long wanted) {
        return new ToolFailure(Reason.QUOTA_EXCEEDED, "Your checkpoints take " + CheckpointResults.human(used(store,
                principal)) + " of the " + CheckpointResults.human(config.maxTotalSize().asLongValue()) + " allowed"
                + (wanted > 0 ? " and this one would add " + CheckpointResults.human(wanted) : "")
                + "; delete_checkpoint frees space.");
    }

    private Object lock(String principal) {
        return principalLocks.computeIfAbsent(principal, p -> new Object());
    }

    private static <T> Uni<T> blocking(Supplier<T> work) {
        return Uni.createFrom().item(work).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    /** A reserved draft and the size its archive may reach. */
    private record Plan(CheckpointStore store, CheckpointStore.Draft draft, long limit, boolean quotaBound) {
    }

    /** A checkpoint found, checked against its checksum, with the paths a restore replaces. */
    private record Verified(Checkpoint checkpoint, List<String> replaced, Path archive) {
    }
}
