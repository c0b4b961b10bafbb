package dev.agentbox.sandbox;

import java.time.Duration;

/**
 * What a job listing shows of an exec: whether it runs, how it ended and how much it printed, without the output
 * itself. A remote backend can answer this for many execs at once without reading their output.
 *
 * @param running whether the main process still runs
 * @param ended whether the main process ended with a record of how; {@code false} together with {@code running}
 *        {@code false} means it ended without one (its record was lost)
 * @param exitCode the exit code, or {@code null} while it runs, when a signal ended it, or when it never started
 * @param signal the signal that ended it, or {@code null}
 * @param timedOut whether it was killed at its timeout
 * @param killed whether it was killed on request
 * @param oomKilled whether the sandbox's memory limit killed it
 * @param duration wall time from start to exit, or {@code null} while it runs
 * @param stdoutBytes how many bytes of standard output it printed so far
 * @param stderrBytes how many bytes of standard error it printed so far
 */
public record ExecSummary(boolean running, boolean ended, Integer exitCode, Integer signal, boolean timedOut,
        boolean killed, boolean oomKilled, Duration duration, long stdoutBytes, long stderrBytes) {

    /**
     * @return the summary of a running exec
     */
    public static ExecSummary running(long stdoutBytes, long stderrBytes) {
        return new ExecSummary(true, false, null, null, false, false, false, null, stdoutBytes, stderrBytes);
    }

    /**
     * @return the summary of an exec that ended without a record of how
     */
    public static ExecSummary lost(long stdoutBytes, long stderrBytes) {
        return new ExecSummary(false, false, null, null, false, false, false, null, stdoutBytes, stderrBytes);
    }

    /**
     * @return the summary of an ended exec
     */
    public static ExecSummary ended(ExecResult result, long stdoutBytes, long stderrBytes) {
        return new ExecSummary(false, true, result.exitCode(), result.signal(), result.timedOut(), result.killed(),
                result.oomKilled(), result.duration(), stdoutBytes, stderrBytes);
    }

    /**
     * @return the exit code as a shell reports it (the code itself, or 128 plus the signal number), or {@code null}
     *         while it runs or when its end was not recorded
     */
    public Integer shellExitCode() {
        if (!ended) {
            return null;
        }
        if (exitCode != null) {
            return exitCode;
        }
        return signal != null ? 128 + signal : -1;
    }
}
