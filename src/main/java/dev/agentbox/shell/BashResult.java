package dev.agentbox.shell;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import dev.agentbox.toolcall.ToolResult;

/**
 * What a {@code bash} call returns.
 *
 * @param exitCode the command's exit code (128 + n when a signal n killed it)
 * @param signal the signal that killed the command, or {@code null}
 * @param stdout standard output, cut to the output budget
 * @param stderr standard error, cut to the output budget
 * @param durationMs wall time
 * @param outputTruncated whether stdout or stderr was cut (reason {@code OUTPUT_TRUNCATED})
 * @param stdoutBytes how many bytes the command wrote to stdout in all
 * @param stderrBytes how many bytes the command wrote to stderr in all
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BashResult(int exitCode, Integer signal, String stdout, String stderr, long durationMs,
        boolean outputTruncated, long stdoutBytes, long stderrBytes) implements ToolResult {

    @Override
    public String text() {
        StringBuilder text = new StringBuilder();
        text.append("exit code ").append(exitCode);
        if (signal != null) {
            text.append(" (killed by signal ").append(signal).append(')');
        }
        text.append(", ").append(durationMs).append(" ms");
        if (outputTruncated) {
            text.append(", output truncated (OUTPUT_TRUNCATED): to see all of it, redirect it to a file and use"
                    + " read_file or search_files");
        }
        text.append('\n');
        if (!stdout.isEmpty()) {
            text.append("--- stdout ---\n").append(stdout);
            if (!stdout.endsWith("\n")) {
                text.append('\n');
            }
        }
        if (!stderr.isEmpty()) {
            text.append("--- stderr ---\n").append(stderr);
            if (!stderr.endsWith("\n")) {
                text.append('\n');
            }
        }
        if (stdout.isEmpty() && stderr.isEmpty()) {
            text.append("(no output)\n");
        }
        return text.toString();
    }
}
