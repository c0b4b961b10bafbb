package dev.agentbox.checkpoint;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where checkpoints (and the fork records that decide who sees them) are kept, outside every sandbox. One store is
 * active, chosen by {@code agentbox.checkpoint.store}.
 * <p>
 * A checkpoint is written in two steps: a {@link Draft} reserves a spool file that the sandbox backend fills with the
 * archive; {@link #commit} then makes it a checkpoint in one step, or {@link #discard} forgets it. Nothing
 * half-written is ever listed, also after a crash: drafts left behind are removed when the store starts.
 * <p>
 * The local store keeps everything in a directory of this machine. A cluster store would spool drafts to a local file
 * as well and upload on commit (object storage), or download and verify on {@link #verified}; one built on volume
 * snapshots would need the sandbox backend to snapshot the workspace volume instead of archiving it, which this
 * interface leaves to that pair to add.
 */
public interface CheckpointStore {

    /**
     * @return the store's name as configured ({@code local})
     */
    String name();

    /**
     * Prepares the store and removes drafts an earlier server left. Called once, at start-up, on the active store.
     *
     * @throws CheckpointStoreException {@code UNAVAILABLE} when the store cannot be used
     */
    void start();

    /**
     * Reserves a spool file for a new archive.
     *
     * @param principal who will own the checkpoint
     * @throws CheckpointStoreException {@code UNAVAILABLE} or {@code FULL}
     */
    Draft draft(String principal);

    /**
     * Turns a filled draft into a checkpoint, atomically: its archive and record are flushed to disk, then appear
     * under the name together.
     *
     * @throws CheckpointStoreException {@code EXISTS} when the name was taken meanwhile, {@code UNAVAILABLE} or
     *         {@code FULL}; the draft is discarded either way
     */
    Checkpoint commit(Draft draft, String name, String conversation, List<String> paths, Instant createdAt);

    /**
     * Forgets a draft and its spool file. Discarding one that is gone does nothing.
     */
    void discard(Draft draft);

    /**
     * @return the principal's checkpoints, newest first
     */
    List<Checkpoint> list(String principal);

    /**
     * @return every principal that has checkpoints, for retention sweeps
     */
    List<String> principals();

    /**
     * @return the principal's checkpoint of that name
     */
    Optional<Checkpoint> find(String principal, String name);

    /**
     * Checks a checkpoint's archive against its recorded size and checksum and returns a file to read it from.
     *
     * @throws CheckpointStoreException {@code CORRUPTED} when it does not match or is missing
     */
    Path verified(Checkpoint checkpoint);

    /**
     * Deletes a checkpoint; deleting one that is gone does nothing.
     */
    void delete(Checkpoint checkpoint);

    /**
     * Records a fork, durably, before the fork is used.
     */
    void saveFork(ForkRecord fork);

    /**
     * @return every fork record, read at start-up
     */
    List<ForkRecord> forks();

    /**
     * A reserved spool file, not yet a checkpoint.
     *
     * @param principal who will own it
     * @param archive the file the archive goes to; it does not exist yet
     * @param handle what the store needs to find the draft again
     */
    record Draft(String principal, Path archive, String handle) {
    }
}
