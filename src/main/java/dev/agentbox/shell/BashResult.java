package dev.agentbox.shell;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import dev.agentbox.toolcall.ToolResult;

/**
 * What a {@code bash} call returns: the command's outcome, or, while it still runs, the job to follow.
 *
 * @param jobId the job the command runs as; its record keeps the full (bounded) output
 * @param status {@code running} while the command runs on as a job, else how it ended (see {@code job_status})
 * @param exitCode the exit code (128 + n when a signal n killed it), or {@code null} while running
 * @param signal the signal that killed the command, or {@code null}
 * @param stdout standard output, cut to the output budget
 * @param stderr standard error, cut to the output budget
 * @param durationMs wall time so far
 * @param outputTruncated whether stdout or stderr was cut (reason {@code OUTPUT_TRUNCATED})
 * @param stdoutBytes how many bytes the command wrote to stdout in all
 * @param stderrBytes how many bytes the command wrote to stderr in all
 * @param note what to do next, when there is something to do
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BashResult(String jobId, String status, Integer exitCode, Integer signal, String stdout, String stderr,
        long durationMs, boolean outputTruncated, long stdoutBytes, long stderrBytes, String note)
        implements
            ToolResult {

    @Override
    public String text() {
        StringBuilder text = new StringBuilder();
        if (exitCode != null) {
            text.append("exit code ").append(exitCode);
            if (signal != null) {
                text.append(" (killed by signal ").append(signal).append(')');
            }
            text.append(", ").append(durationMs).append(" ms");
        } else {
            text.append("running as job ").append(jobId).append(", ").append(durationMs / 1000).append(" s so far");
        }
        if (outputTruncated) {
            text.append(", output truncated (OUTPUT_TRUNCATED)");
        }
        text.append('\n');
        append(text, "stdout", stdout);
        append(text, "stderr", stderr);
        if (stdout.isEmpty() && stderr.isEmpty() && exitCode != null) {
            text.append("(no output)\n");
        }
        if (note != null) {
            text.append(note).append('\n');
        }
        return text.toString();
    }

    private static void append(StringBuilder text, String name, String output) {
        if (!output.isEmpty()) {
            text.append("--- ").append(name).append(" ---\n").append(output);
            if (!output.endsWith("\n")) {
                text.append('\n');
            }
        }
    }
}
