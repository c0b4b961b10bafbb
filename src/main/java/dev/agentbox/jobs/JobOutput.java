package dev.agentbox.jobs;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import dev.agentbox.toolcall.ToolResult;

/**
 * A piece of a job's output, as {@code job_output} returns it.
 *
 * @param jobId the job
 * @param stream {@code stdout} or {@code stderr}
 * @param offset the byte offset in the stream where {@code output} starts
 * @param nextOffset the offset to ask for next
 * @param totalBytes how much the stream holds so far
 * @param skippedBytes bytes before {@code offset} that were asked for but not kept (only the head and the tail of
 *        long output are kept)
 * @param output the text (bytes that are not UTF-8 become U+FFFD)
 * @param status the job's status
 * @param complete whether the job has ended and nothing follows {@code nextOffset}
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record JobOutput(String jobId, String stream, long offset, long nextOffset, long totalBytes, long skippedBytes,
        String output, String status, boolean complete) implements ToolResult {

    @Override
    public String text() {
        StringBuilder text = new StringBuilder();
        if (skippedBytes > 0) {
            text.append("[").append(skippedBytes).append(" bytes before offset ").append(offset)
                    .append(" were not kept]\n");
        }
        text.append(output);
        if (!output.isEmpty() && !output.endsWith("\n")) {
            text.append('\n');
        }
        text.append("[job ").append(jobId).append(' ').append(status).append("; ").append(stream).append(" bytes ")
                .append(offset).append('-').append(nextOffset).append(" of ").append(totalBytes);
        text.append(complete ? "; that is all of it]\n"
                : nextOffset < totalBytes ? "; more follows: job_output with offset=" + nextOffset + "]\n"
                        : "; still running: job_output with offset=" + nextOffset + " and wait_seconds to follow]\n");
        return text.toString();
    }
}
