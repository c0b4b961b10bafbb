package dev.agentbox.checkpoint;

import dev.agentbox.sandbox.WorkspaceTransferException;
import dev.agentbox.toolcall.Reason;
import dev.agentbox.toolcall.ToolFailure;

/**
 * Turns what the checkpoint store and the sandbox backend report into tool failures: one reason code and one
 * sentence each.
 */
public final class CheckpointFailures {

    private CheckpointFailures() {
    }

    /**
     * Like {@link #of}, for a failure while a workspace was archived into the store: no space means the store's.
     */
    public static Throwable ofArchive(Throwable failure, boolean quotaBound) {
        if (failure instanceof WorkspaceTransferException transfer
                && transfer.kind() == WorkspaceTransferException.Kind.NO_SPACE) {
            return new ToolFailure(Reason.DISK_FULL, "The checkpoint store has no space left for this copy of the "
                    + "workspace; delete checkpoints, save fewer paths, or ask the operator for space. ("
                    + transfer.getMessage() + ")");
        }
        return of(failure, quotaBound);
    }

    /**
     * @param quotaBound whether an archive's size limit came from the principal's remaining quota rather than the
     *        per-checkpoint limit (so that growing past it is {@code QUOTA_EXCEEDED})
     * @return the failure the agent sees, or {@code failure} itself when it is none of ours
     */
    public static Throwable of(Throwable failure, boolean quotaBound) {
        if (failure instanceof CheckpointStoreException store) {
            return switch (store.kind()) {
                case UNAVAILABLE -> new ToolFailure(Reason.STORE_UNAVAILABLE, store.getMessage());
                case FULL -> new ToolFailure(Reason.DISK_FULL, store.getMessage());
                case EXISTS -> new ToolFailure(Reason.ALREADY_EXISTS, store.getMessage()
                        + " Choose another name, or delete_checkpoint it first.");
                case CORRUPTED -> new ToolFailure(Reason.CHECKPOINT_CORRUPTED, store.getMessage());
            };
        }
        if (failure instanceof WorkspaceTransferException transfer) {
            String message = transfer.getMessage();
            return switch (transfer.kind()) {
                case NOT_FOUND -> ToolFailure.notFound(message);
                case OUTSIDE_WORKSPACE -> new ToolFailure(Reason.PATH_OUTSIDE_WORKSPACE, message);
                case TOO_LARGE -> quotaBound
                        ? new ToolFailure(Reason.QUOTA_EXCEEDED, message + " That is what is left of your "
                                + "checkpoint quota; delete_checkpoint frees space.")
                        : ToolFailure.tooLarge(message + " Save fewer paths, or remove build output first.");
                case NO_SPACE -> new ToolFailure(Reason.DISK_FULL, message);
                case TARGET_UNWRITABLE -> new ToolFailure(Reason.STORE_UNAVAILABLE,
                        "The checkpoint store cannot be written: " + message);
                case TIMEOUT -> new ToolFailure(Reason.TIMEOUT, message);
                case UNSUPPORTED -> new ToolFailure(Reason.SANDBOX_UNAVAILABLE, message);
                case FAILED -> new ToolFailure(Reason.ARCHIVE_FAILED, message);
            };
        }
        return failure;
    }
}
