package dev.agentbox.jobs;

import java.util.List;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import dev.agentbox.toolcall.ToolResult;

/**
 * What {@code list_jobs} returns: the conversation's jobs, newest first.
 *
 * @param jobs the jobs
 * @param more how many older jobs were not listed
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record JobList(List<JobStatus> jobs, int more) implements ToolResult {

    @Override
    public String text() {
        if (jobs.isEmpty()) {
            return "No jobs in this conversation yet.\n";
        }
        StringBuilder text = new StringBuilder();
        jobs.forEach(job -> text.append(job.text()));
        if (more > 0) {
            text.append("[").append(more).append(" older jobs not shown]\n");
        }
        return text.toString();
    }
}
