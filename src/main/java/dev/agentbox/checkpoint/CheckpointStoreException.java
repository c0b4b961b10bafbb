package dev.agentbox.checkpoint;

/**
 * The checkpoint store could not do what was asked, for a reason the caller can name.
 */
public class CheckpointStoreException extends RuntimeException {

    /** Why. */
    public enum Kind {
        /** The store cannot be read or written. */
        UNAVAILABLE,
        /** The store has no space left. */
        FULL,
        /** A checkpoint of that name exists. */
        EXISTS,
        /** A checkpoint's archive does not match its recorded size and checksum, or is missing. */
        CORRUPTED
    }

    private final Kind kind;

    public CheckpointStoreException(Kind kind, String message, Throwable cause) {
        super(message, cause, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
