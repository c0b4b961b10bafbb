package dev.agentbox.fork;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.agentbox.checkpoint.CheckpointConfig;
import dev.agentbox.checkpoint.CheckpointFailures;
import dev.agentbox.checkpoint.CheckpointStore;
import dev.agentbox.checkpoint.CheckpointStores;
import dev.agentbox.checkpoint.ForkRecord;
import dev.agentbox.checkpoint.Lineage;
import dev.agentbox.conversation.ConversationConfig;
import dev.agentbox.conversation.ConversationKey;
import dev.agentbox.conversation.ConversationPolicy;
import dev.agentbox.conversation.Conversations;
import dev.agentbox.sandbox.ArchiveRequest;
import dev.agentbox.sandbox.RestoreRequest;
import dev.agentbox.sandbox.SandboxBackend;
import dev.agentbox.sandbox.SandboxSpec;
import dev.agentbox.toolcall.Reason;
import dev.agentbox.toolcall.ToolFailure;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Makes forks: a child conversation of the caller's principal, seeded with a copy of the caller's workspace (archived
 * in the parent's sandbox, extracted into the child's new workspace), with a policy no wider than the parent's. The
 * fork is recorded before its workspace exists, so it is never seen without its restrictions.
 */
@ApplicationScoped
public class Forks {

    private static final Logger LOG = Logger.getLogger(Forks.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] KEY_CHARS = "abcdefghijkmnpqrstuvwxyz23456789".toCharArray();

    private final Conversations conversations;
    private final Lineage lineage;
    private final CheckpointStores stores;
    private final SandboxBackend backend;
    private final CheckpointConfig checkpoints;
    private final ForkConfig config;
    private final ConversationConfig conversationConfig;
    private final Clock clock;

    Forks(Conversations conversations, Lineage lineage, CheckpointStores stores, SandboxBackend backend,
            CheckpointConfig checkpoints, ForkConfig config, ConversationConfig conversationConfig, Clock clock) {
        this.conversations = conversations;
        this.lineage = lineage;
        this.stores = stores;
        this.backend = backend;
        this.checkpoints = checkpoints;
        this.config = config;
        this.conversationConfig = conversationConfig;
        this.clock = clock;
    }

    /**
     * Forks the caller's conversation.
     *
     * @param memoryMib the child's memory limit in MiB, at most the parent's; {@code null} for the parent's
     * @param pids the child's process limit, at most the parent's; {@code null} for the parent's
     */
    public Uni<ForkResult> fork(ConversationKey parent, Integer memoryMib, Integer pids) {
        return Uni.createFrom().deferred(() -> {
            int depth = lineage.fork(parent).map(ForkRecord::depth).orElse(0) + 1;
            if (depth > config.maxDepth()) {
                throw new ToolFailure(Reason.FORBIDDEN, "This conversation is a fork " + (depth - 1) + " levels deep; "
                        + "forks may nest " + config.maxDepth() + " levels at most.");
            }
            ConversationPolicy policy = narrowed(conversations.policy(parent), memoryMib, pids);
            ConversationKey child = new ConversationKey(parent.principal(), newKey());
            return blocking(() -> {
                if (lineage.children(parent) >= config.maxChildren()) {
                    throw new ToolFailure(Reason.FORBIDDEN, "This conversation has made " + config.maxChildren()
                            + " forks, the most one conversation may make; fork from a new conversation instead.");
                }
                return stores.store().draft(parent.principal());
            }).flatMap(draft -> seed(parent, child, depth, policy, draft)
                    .onTermination().call(() -> blocking(() -> {
                        stores.store().discard(draft);
                        return null;
                    })))
                    .onFailure().transform(failure -> CheckpointFailures.ofArchive(failure, false));
        });
    }

    private Uni<ForkResult> seed(ConversationKey parent, ConversationKey child, int depth, ConversationPolicy policy,
            CheckpointStore.Draft draft) {
        long limit = checkpoints.maxSize().asLongValue();
        return conversations.withSandbox(parent, sandbox -> sandbox.archive(new ArchiveRequest(List.of(),
                draft.archive(), limit, checkpoints.timeout())))
                .flatMap(archived -> blocking(() -> {
                    lineage.record(new ForkRecord(parent.principal(), child.key(), parent.key(), depth, policy,
                            clock.instant()));
                    return archived;
                }))
                .flatMap(archived -> conversations.exclusive(child, null, () -> backend.provider().restore(
                        new SandboxSpec(child, policy.limits()), new RestoreRequest(draft.archive(), List.of(),
                                checkpoints.timeout())))
                        .onFailure().transform(failure -> CheckpointFailures.of(failure, false))
                        .onFailure().call(() -> conversations.delete(child, true).onFailure().recoverWithNull())
                        .map(ignored -> {
                            LOG.infof("Conversation forked [parent: %s, fork: %s, depth: %d]", parent.id(), child.id(),
                                    depth);
                            return new ForkResult(child.key(), parent.key(), conversationConfig.header(),
                                    conversationConfig.metaKey(), depth, policy, archived.bytes());
                        }));
    }

    /** The parent's policy with the narrower limits asked for; asking for more than the parent has is refused. */
    static ConversationPolicy narrowed(ConversationPolicy parent, Integer memoryMib, Integer pids) {
        if (memoryMib != null && memoryMib < 64) {
            throw ToolFailure.invalid("memory_mib must be at least 64, not " + memoryMib + ".");
        }
        if (pids != null && pids < 16) {
            throw ToolFailure.invalid("pids must be at least 16, not " + pids + ".");
        }
        ConversationPolicy child = new ConversationPolicy(
                memoryMib == null ? parent.memoryBytes() : (long) memoryMib << 20,
                pids == null ? parent.pids() : pids, parent.cpuMillis(), parent.openFiles(), parent.fileSizeBytes(),
                parent.egress());
        List<String> wider = child.widerThan(parent);
        if (!wider.isEmpty()) {
            throw new ToolFailure(Reason.FORBIDDEN, "A fork's policy is never wider than its parent's: "
                    + String.join("; ", wider) + ".");
        }
        return child;
    }

    private static String newKey() {
        char[] key = new char[20];
        for (int i = 0; i < key.length; i++) {
            key[i] = KEY_CHARS[RANDOM.nextInt(KEY_CHARS.length)];
        }
        return "fork-" + new String(key);
    }

    private static <T> Uni<T> blocking(Supplier<T> work) {
        return Uni.createFrom().item(work).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }
}
