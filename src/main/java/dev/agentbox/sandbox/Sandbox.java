package dev.agentbox.sandbox;

import java.util.List;
import java.util.Optional;

import dev.agentbox.egress.EgressPolicy;
import io.smallrye.mutiny.Uni;

/**
 * The isolated place where one conversation's commands run. It lives until it is destroyed or its backend loses it;
 * its workspace outlives it.
 * <p>
 * {@link #exec(String)}, {@link #execs()} and {@link #isBusy()} may block on I/O (a remote backend asks the sandbox):
 * call them from worker threads. {@link #isAlive()} never blocks.
 */
public interface Sandbox {

    /**
     * @return the sandbox's id, unique on its backend
     */
    String id();

    /**
     * @return the egress rules the sandbox was created with (they never change while it lives)
     */
    default EgressPolicy egress() {
        return EgressPolicy.NONE;
    }

    /**
     * Starts a process in the sandbox.
     *
     * @param request what to run
     * @return a {@code Uni} with the handle once the process has started
     */
    Uni<ExecHandle> start(ExecRequest request);

    /**
     * Starts a process and waits until it ends.
     *
     * @param request what to run
     * @return the result
     */
    default Uni<ExecResult> exec(ExecRequest request) {
        return start(request).flatMap(ExecHandle::completion);
    }

    /**
     * Finds an exec of this conversation by id, also one started before a server restart or in an earlier sandbox of
     * the same conversation.
     *
     * @return the exec, or empty when no record of it exists
     */
    Optional<ExecHandle> exec(String id);

    /**
     * @return the conversation's execs that still have a record, newest first
     */
    List<ExecHandle> execs();

    /**
     * @return whether a main process of an exec is still running (background processes left behind by finished
     *         execs do not count)
     */
    boolean isBusy();

    /**
     * @return whether the sandbox's init is still running, as far as the backend knows without asking it; never
     *         blocks
     */
    boolean isAlive();

    /**
     * Writes a tar archive of workspace paths to a file of the server, past the bounded output capture that
     * {@link #start} applies (a workspace does not fit in it). The archiver runs inside the sandbox as its user (see
     * {@link ArchiveScripts} for the programs and the format), so it reads exactly what the sandbox can read: symlinks
     * are stored, never followed, and nothing of the host can end up in the archive. Files that change while they are
     * read are archived as they were at some moment during the read and reported as warnings.
     * <p>
     * A backend without this ability fails with {@link WorkspaceTransferException.Kind#UNSUPPORTED}.
     *
     * @param request the paths, the target file, the size limit and the timeout
     * @return the archive's size and warnings; fails with {@link WorkspaceTransferException} for a reason the caller
     *         can name, or {@link SandboxException} when the sandbox is lost meanwhile
     */
    default Uni<ArchiveResult> archive(ArchiveRequest request) {
        return Uni.createFrom().failure(new WorkspaceTransferException(WorkspaceTransferException.Kind.UNSUPPORTED,
                "This sandbox backend cannot archive workspaces."));
    }

    /**
     * Stops every process of the sandbox and releases what it holds on the host. The workspace stays.
     *
     * @return a {@code Uni} that completes when nothing of the sandbox is left running
     */
    Uni<Void> destroy();
}
