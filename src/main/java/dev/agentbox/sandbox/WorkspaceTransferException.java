package dev.agentbox.sandbox;

/**
 * Archiving or restoring a workspace failed for a reason the backend could name. The message is one sentence in the
 * user's terms; the kind tells the caller which reason code to give.
 */
public class WorkspaceTransferException extends RuntimeException {

    /** Why a transfer failed. */
    public enum Kind {
        /** A named path does not exist in the workspace, or is not in the archive. */
        NOT_FOUND,
        /** A named path leads out of the workspace through a symlink. */
        OUTSIDE_WORKSPACE,
        /** The archive would be larger than allowed, or a file in it larger than the sandbox may write. */
        TOO_LARGE,
        /** The archive's destination (or the workspace, on a restore) has no space left. */
        NO_SPACE,
        /** The archive's destination cannot be written. */
        TARGET_UNWRITABLE,
        /** The transfer ran past its timeout and was stopped. */
        TIMEOUT,
        /** This backend cannot transfer workspaces. */
        UNSUPPORTED,
        /** Anything else; the message says what. */
        FAILED
    }

    private final Kind kind;

    public WorkspaceTransferException(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
