package dev.agentbox.sandbox.records;

import java.time.Duration;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import dev.agentbox.sandbox.CapturedOutput;
import dev.agentbox.sandbox.ExecResult;

/**
 * The {@code exit} file the exec helper writes once the main process of an exec has ended.
 *
 * @param exitCode the exit code, or {@code null} when the process died by a signal or never started
 * @param signal the terminating signal, or {@code null}
 * @param timedOut whether the helper killed the tree at the timeout
 * @param killed whether the helper killed the tree on request
 * @param oomKills how many OOM kills the sandbox's memory cgroup counted while the exec ran
 * @param pidsMax how many times the sandbox's pids cgroup refused a fork while the exec ran
 * @param childPid the pid of the main process (in the supervisor's pid namespace)
 * @param startedAtMs start, in milliseconds since the epoch
 * @param endedAtMs end, in milliseconds since the epoch
 * @param stdoutBytes how many bytes of standard output the main process's tree printed before the record
 * @param stderrBytes how many bytes of standard error the main process's tree printed before the record
 * @param error why the process could not be started, or {@code null}
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ExitRecord(Integer exitCode, Integer signal, boolean timedOut, boolean killed, long oomKills,
        long pidsMax, long childPid, long startedAtMs, long endedAtMs, long stdoutBytes, long stderrBytes,
        String error) {

    /**
     * @return the exec's result with the output kept of it
     */
    public ExecResult toResult(CapturedOutput stdout, CapturedOutput stderr) {
        return new ExecResult(exitCode, signal, timedOut, killed, oomKills > 0 && diedOfSigkill(), pidsMax > 0,
                duration(), stdout, stderr, error);
    }

    /**
     * @return wall time from start to exit
     */
    public Duration duration() {
        return Duration.ofMillis(Math.max(0, endedAtMs - startedAtMs));
    }

    /** Killed by SIGKILL itself, or a shell reporting that its child was (exit code 128 + 9). */
    private boolean diedOfSigkill() {
        return Integer.valueOf(9).equals(signal) || Integer.valueOf(137).equals(exitCode);
    }
}
