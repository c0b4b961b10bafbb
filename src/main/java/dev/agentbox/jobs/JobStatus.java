package dev.agentbox.jobs;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import dev.agentbox.toolcall.ToolResult;

/**
 * A job as {@code job_status} and {@code list_jobs} describe it.
 *
 * @param jobId the job's id
 * @param command the command (cut when very long)
 * @param mode {@code background}, or {@code foreground} for a call that waited for it
 * @param status {@code running}, {@code exited}, {@code signaled}, {@code timed_out}, {@code killed},
 *        {@code oom_killed} or {@code lost} (it ended without a record, for example when the host restarted)
 * @param exitCode the exit code once it ended (128 + n for a signal n), else {@code null}
 * @param signal the signal that ended it, or {@code null}
 * @param startedAt when it started
 * @param endedAt when it ended, or {@code null}
 * @param durationMs how long it ran (so far)
 * @param stdoutBytes how much it wrote to stdout so far
 * @param stderrBytes how much it wrote to stderr so far
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobStatus(String jobId, String command, String mode, String status, Integer exitCode, Integer signal,
        Instant startedAt, Instant endedAt, long durationMs, long stdoutBytes, long stderrBytes) implements ToolResult {

    /**
     * @return whether the job's command is still running
     */
    public boolean running() {
        return status.equals("running");
    }

    @Override
    public String text() {
        return "job " + jobId + ": " + status + (exitCode != null ? " (exit code " + exitCode + ")" : "") + ", "
                + (running() ? "running for " : "ran ") + durationMs / 1000 + " s, " + stdoutBytes + " bytes of stdout, "
                + stderrBytes + " bytes of stderr, started " + startedAt + "\n  $ " + command + "\n";
    }
}
