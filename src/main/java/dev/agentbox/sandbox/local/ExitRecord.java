package dev.agentbox.sandbox.local;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * The {@code exit} file the exec helper writes once the main process of an exec has ended.
 *
 * @param exitCode the exit code, or {@code null} when the process died by a signal or never started
 * @param signal the terminating signal, or {@code null}
 * @param timedOut whether the helper killed the tree at the timeout
 * @param killed whether the helper killed the tree on request
 * @param oomKills how many OOM kills the sandbox's memory cgroup counted while the exec ran
 * @param pidsMax how many times the sandbox's pids cgroup refused a fork while the exec ran
 * @param childPid the host pid of the main process
 * @param startedAtMs start, in milliseconds since the epoch
 * @param endedAtMs end, in milliseconds since the epoch
 * @param error why the process could not be started, or {@code null}
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record ExitRecord(Integer exitCode, Integer signal, boolean timedOut, boolean killed, long oomKills, long pidsMax,
        long childPid, long startedAtMs, long endedAtMs, String error) {
}
