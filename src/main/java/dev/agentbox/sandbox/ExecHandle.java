package dev.agentbox.sandbox;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import io.smallrye.mutiny.Uni;

/**
 * A process started in a sandbox, followed until it ends. Its record (labels, exit, bounded output) is kept by the
 * backend on storage that survives the server, so it can be found again by {@link #id()} after a restart.
 * <p>
 * The methods that do not return a {@code Uni} may block on I/O: a local backend reads files, a remote one asks the
 * sandbox (a Kubernetes exec). Call them from worker threads, never from an event-loop thread.
 */
public interface ExecHandle {

    /**
     * @return the exec's id, unique within its conversation
     */
    String id();

    /**
     * @return the labels given when it started
     */
    Map<String, String> labels();

    /**
     * @return when it started
     */
    Instant startedAt();

    /**
     * @return the result when the main process has ended, else empty; never waits for the process
     */
    Optional<ExecResult> result();

    /**
     * @return whether the main process still runs; {@code false} once it ended, also when it ended without a
     *         result (its record was lost)
     */
    boolean isRunning();

    /**
     * @return a {@code Uni} that completes with the result once the main process has exited; it fails with a
     *         {@link SandboxException} when the sandbox is lost meanwhile
     */
    Uni<ExecResult> completion();

    /**
     * Describes the exec for a listing: whether it runs, how it ended, how much it printed. Cheaper than
     * {@link #result()} plus {@link #output(boolean)} on a backend that has to fetch the output.
     *
     * @return the summary as of now
     */
    default ExecSummary describe() {
        long stdoutBytes = output(false).totalBytes();
        long stderrBytes = output(true).totalBytes();
        Optional<ExecResult> result = result();
        if (result.isPresent()) {
            return ExecSummary.ended(result.get(), stdoutBytes, stderrBytes);
        }
        return isRunning() ? ExecSummary.running(stdoutBytes, stderrBytes) : ExecSummary.lost(stdoutBytes, stderrBytes);
    }

    /**
     * Reads what the process has printed so far, while it runs or after it ended.
     *
     * @param stderr whether to read standard error instead of standard output
     * @return the kept output
     */
    CapturedOutput output(boolean stderr);

    /**
     * Kills the process and every process it started. Killing a process that already ended does nothing.
     */
    void kill();

    /**
     * Forgets the exec's record once the caller has what it needs. Only for execs nobody will ask about again.
     */
    void discard();
}
