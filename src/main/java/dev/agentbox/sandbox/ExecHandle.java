package dev.agentbox.sandbox;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import io.smallrye.mutiny.Uni;

/**
 * A process started in a sandbox, followed until it ends. Its record (labels, exit, bounded output) is kept by the
 * backend on storage that survives the server, so it can be found again by {@link #id()} after a restart.
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
     * @return the result when the main process has ended, else empty; never waits
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
