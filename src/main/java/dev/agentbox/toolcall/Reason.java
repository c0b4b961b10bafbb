package dev.agentbox.toolcall;

/**
 * Stable reason codes for tool failures that an agent can act on.
 * <p>
 * Every tool error carries exactly one of these, on both the MCP and the REST surface. The names are a contract with
 * clients and documentation: add new ones, never rename.
 */
public enum Reason {
    /** The command ran past its timeout and was killed with its whole process tree. */
    TIMEOUT,
    /** Output was cut to the configured cap; a note says how to page the rest. */
    OUTPUT_TRUNCATED,
    /** The sandbox's memory limit was hit and the kernel killed the command. */
    OOM_KILLED,
    /** The sandbox's process limit was hit. */
    PIDS_EXHAUSTED,
    /** The workspace has no space left. */
    DISK_FULL,
    /** A path resolves outside {@code /workspace}. */
    PATH_OUTSIDE_WORKSPACE,
    /** A file, directory, job or other named thing does not exist (or is not visible to the caller). */
    NOT_FOUND,
    /** An edit's old string occurs more than once and {@code replace_all} was not asked for. */
    NOT_UNIQUE,
    /** A network connection was refused by the egress policy. */
    EGRESS_BLOCKED,
    /** The sandbox died while the call was in flight; the next call recreates it with the workspace intact. */
    SANDBOX_LOST,
    /** No sandbox can be provided right now (the backend is down, refuses, or lacks required isolation). */
    SANDBOX_UNAVAILABLE,
    /** A command, argument or request body exceeds its size limit. */
    INPUT_TOO_LARGE,
    /** The caller may not do this. */
    FORBIDDEN,
    /** An argument is malformed or out of range (negative offset, bad regular expression, odd conversation key). */
    INVALID_ARGUMENT,
    /** The file is binary; text tools refuse it. */
    BINARY_FILE,
    /** Something of that name exists already (a checkpoint name is taken). */
    ALREADY_EXISTS,
    /** A stored checkpoint does not match its checksum or size: it was damaged on disk and is not restored. */
    CHECKPOINT_CORRUPTED,
    /** The caller made more calls than its rate allows, or too many run at once; the details say when to retry. */
    RATE_LIMITED,
    /**
     * The caller holds as many sandboxes or running jobs as its quota allows, or its checkpoints would outgrow its
     * storage quota.
     */
    QUOTA_EXCEEDED,
    /** The checkpoint store cannot be read or written (missing, read-only, broken). */
    STORE_UNAVAILABLE,
    /**
     * Archiving or extracting workspace files failed for a reason the message names (for example a file the
     * sandbox's user cannot read).
     */
    ARCHIVE_FAILED
}
