package dev.agentbox.checkpoint;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;

import org.jboss.logging.Logger;

import dev.agentbox.toolcall.Reason;
import dev.agentbox.toolcall.ToolFailure;
import io.quarkus.runtime.StartupEvent;

/**
 * The checkpoint store selected by {@code agentbox.checkpoint.store}, started once when the server starts. A store
 * that cannot start does not stop the server: every checkpoint operation then fails with {@code STORE_UNAVAILABLE}
 * and the reason.
 */
@ApplicationScoped
public class CheckpointStores {

    private static final Logger LOG = Logger.getLogger(CheckpointStores.class);

    private final CheckpointStore store;
    private final CheckpointConfig config;
    private volatile String unavailable = "the checkpoint store has not started";

    CheckpointStores(@Any Instance<CheckpointStore> stores, CheckpointConfig config) {
        this.config = config;
        this.store = stores.stream().filter(s -> s.name().equals(config.store())).findFirst()
                .orElseThrow(() -> new IllegalStateException("Unknown checkpoint store '" + config.store()
                        + "' in agentbox.checkpoint.store; known: "
                        + stores.stream().map(CheckpointStore::name).toList()));
    }

    void onStart(@Observes @Priority(15) StartupEvent event) {
        try {
            store.start();
            unavailable = null;
            LOG.infof("Checkpoint store ready [store: %s, max-size: %d MiB, max-total-size: %d MiB, max-count: %d, "
                    + "max-age: %s]", store.name(), config.maxSize().asLongValue() >> 20,
                    config.maxTotalSize().asLongValue() >> 20, config.maxCount(), config.maxAge());
        } catch (CheckpointStoreException e) {
            unavailable = e.getMessage();
            LOG.errorf(e, "The checkpoint store cannot be used; checkpoints and forks fail until it can");
        }
    }

    /**
     * @return the active store
     * @throws ToolFailure {@code STORE_UNAVAILABLE} when it did not start
     */
    public CheckpointStore store() {
        String reason = unavailable;
        if (reason != null) {
            throw new ToolFailure(Reason.STORE_UNAVAILABLE, reason);
        }
        return store;
    }
}
