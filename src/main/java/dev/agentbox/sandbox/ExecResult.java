package dev.agentbox.sandbox;

import java.time.Duration;

/**
 * How a process ended and what it printed. A non-zero exit code is data, not an error.
 *
 * @param exitCode the exit code, or {@code null} when the process was killed by a signal or never started
 * @param signal the signal that killed the process, or {@code null}
 * @param timedOut whether the sandbox killed the process tree because the timeout passed
 * @param killed whether the process tree was killed on request (job kill, cancellation, teardown)
 * @param oomKilled whether the sandbox's memory limit was hit while the process ran and it (or, for a shell, its
 *        child) died by SIGKILL
 * @param pidsExhausted whether the sandbox's process limit was hit while the process ran
 * @param duration wall time from start to exit
 * @param stdout what was kept of standard output
 * @param stderr what was kept of standard error
 * @param startError why the process could not be started (for example the program was not found), or {@code null}
 */
public record ExecResult(Integer exitCode, Integer signal, boolean timedOut, boolean killed, boolean oomKilled,
        boolean pidsExhausted, Duration duration, CapturedOutput stdout, CapturedOutput stderr, String startError) {

    /**
     * @return the exit code as a shell reports it: the code itself, or 128 plus the signal number
     */
    public int shellExitCode() {
        if (exitCode != null) {
            return exitCode;
        }
        return signal != null ? 128 + signal : -1;
    }
}
