package dev.agentbox.checkpoint;

import java.nio.file.Path;
import java.time.Duration;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Checkpoints: where they are kept, how large they may be, and how long they are kept. Sizes are sizes of the stored
 * archives; counts, totals and ages are per principal.
 */
@ConfigMapping(prefix = "agentbox.checkpoint")
public interface CheckpointConfig {

    /**
     * The checkpoint store: {@code local} (a directory of this machine, outside every sandbox). A cluster store
     * (volume snapshots or object storage) would be another value.
     */
    @WithDefault("local")
    String store();

    /**
     * The local store.
     */
    LocalStoreConfig local();

    /**
     * The largest checkpoint, as a stored archive ({@code INPUT_TOO_LARGE} past it). Forks copy a workspace under the same
     * limit.
     */
    @WithDefault("1G")
    MemorySize maxSize();

    /**
     * The most a principal's checkpoints may take together ({@code QUOTA_EXCEEDED} past it); {@code delete_checkpoint} frees
     * space.
     */
    @WithDefault("10G")
    MemorySize maxTotalSize();

    /**
     * How many checkpoints a principal keeps: past it the oldest are deleted after each new one.
     */
    @WithDefault("50")
    int maxCount();

    /**
     * How long a checkpoint is kept; older ones are deleted (checked hourly and whenever checkpoints are listed or
     * made).
     */
    @WithDefault("30D")
    Duration maxAge();

    /**
     * How long making or restoring one checkpoint (or copying a workspace into a fork) may take.
     */
    @WithDefault("10M")
    Duration timeout();

    /**
     * The local store.
     */
    interface LocalStoreConfig {

        /**
         * The directory of the local store, readable by the server only. By default below the local backend's state
         * directory.
         */
        @WithDefault("${agentbox.local.state-dir:/var/lib/agentbox}/checkpoints")
        Path dir();
    }
}
