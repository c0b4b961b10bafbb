package dev.agentbox.checkpoint;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import dev.agentbox.conversation.ConversationKey;
import dev.agentbox.conversation.ConversationPolicies;
import dev.agentbox.conversation.ConversationPolicy;
import dev.agentbox.toolcall.ToolFailure;
import io.quarkus.runtime.StartupEvent;

/**
 * Which conversations are forks of which, and the one rule that decides who may see a checkpoint:
 * <ul>
 * <li>a checkpoint belongs to its principal; to every other principal it does not exist;</li>
 * <li>a conversation that is no fork sees all its principal's checkpoints (so a new conversation can pick up
 * yesterday's work, and a parent sees what its forks saved);</li>
 * <li>a fork sees only the checkpoints made in itself or in its own forks, never its parent's or its siblings'.</li>
 * </ul>
 * Fork records are read from the checkpoint store once and then answered from memory.
 * <p>
 * Note: a conversation key is a name, not a credential. Until calls are authenticated, a sub-agent that is told (or
 * guesses) its parent's key can act as the parent, and a fork learns whether a checkpoint name is taken when
 * {@code persist} refuses it, and how much of the principal's quota is used. Forks keep well-behaved sub-agents apart; they do
 * not contain a hostile one that
 * shares the parent's principal.
 */
@ApplicationScoped
public class Lineage implements ConversationPolicies {

    private static final Logger LOG = Logger.getLogger(Lineage.class);

    private final CheckpointStores stores;
    private volatile Map<String, ForkRecord> forks;

    Lineage(CheckpointStores stores) {
        this.stores = stores;
    }

    /**
     * @return whether the caller's conversation may see (list, restore, delete) the checkpoint
     */
    public boolean canSee(ConversationKey caller, Checkpoint checkpoint) {
        if (!checkpoint.principal().equals(caller.principal())) {
            return false;
        }
        if (fork(caller).isEmpty()) {
            return true;
        }
        ConversationKey at = checkpoint.source();
        for (int step = 0; step < 64 && at != null; step++) {
            if (at.equals(caller)) {
                return true;
            }
            at = fork(at).map(ForkRecord::parentKey).orElse(null);
        }
        return false;
    }

    /**
     * @return the conversation's fork record, when it is a fork
     */
    public Optional<ForkRecord> fork(ConversationKey conversation) {
        return Optional.ofNullable(records().get(conversation.id()));
    }

    /**
     * @return how many forks the conversation has made
     */
    public long children(ConversationKey conversation) {
        return records().values().stream().filter(f -> f.parentKey().equals(conversation)).count();
    }

    /**
     * Records a fork durably, before anything of it exists.
     */
    public void record(ForkRecord fork) {
        stores.store().saveFork(fork);
        records().put(fork.key().id(), fork);
    }

    /**
     * Note: answered from the records loaded at start-up, without touching the store, since every sandbox start asks.
     * While the store is unavailable no fork is known, so a fork's sandbox gets the default policy; forks cannot be
     * made meanwhile.
     */
    @Override
    public Optional<ConversationPolicy> recorded(ConversationKey conversation) {
        Map<String, ForkRecord> known = forks;
        return known == null ? Optional.empty()
                : Optional.ofNullable(known.get(conversation.id()))
                        .map(ForkRecord::policy);
    }

    void onStart(@Observes @Priority(16) StartupEvent event) {
        try {
            records();
        } catch (ToolFailure e) {
            LOG.warnf("Fork records cannot be read; forks get the default policy until the store works [cause: %s]",
                    e.getMessage());
        }
    }

    private Map<String, ForkRecord> records() {
        Map<String, ForkRecord> known = forks;
        if (known != null) {
            return known;
        }
        synchronized (this) {
            if (forks == null) {
                Map<String, ForkRecord> loaded = new ConcurrentHashMap<>();
                stores.store().forks().forEach(f -> loaded.put(f.key().id(), f));
                forks = loaded;
            }
            return forks;
        }
    }
}
