package dev.agentbox.jobs;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import dev.agentbox.shell.ShellConfig;
import dev.agentbox.toolcall.ToolParam;
import dev.agentbox.toolcall.ToolSet;
import dev.agentbox.toolcall.ToolSpec;

/**
 * The job tools: {@code job_status}, {@code job_output}, {@code job_kill} and {@code list_jobs}.
 */
@ApplicationScoped
public class JobTools implements ToolSet {

    private final Jobs jobs;
    private final JobsConfig config;
    private final ShellConfig shell;

    JobTools(Jobs jobs, JobsConfig config, ShellConfig shell) {
        this.jobs = jobs;
        this.config = config;
        this.shell = shell;
    }

    @Override
    public int order() {
        return 15;
    }

    @Override
    public List<ToolSpec> tools() {
        ToolParam jobId = ToolParam.required("job_id", String.class, "The job's id, as bash or list_jobs gave it.");
        return List.of(
                new ToolSpec("job_output", "Read a job's output", """
                        Reads the output of a job (a bash command of this conversation, running or ended) from a \
                        byte offset, or its last %,d characters when no offset is given, at most %,d characters per \
                        call. With wait_seconds (at most %d), waits while the job runs until output past the offset \
                        appears or the job ends, so a loop of job_output calls with the returned next_offset \
                        follows a job live. The first and last %d KiB of each stream are kept; offsets in between \
                        are reported as skipped. Unknown job ids get NOT_FOUND.""".formatted(shell.maxOutputChars(),
                        shell.maxOutputChars(), config.maxOutputWait().toSeconds(),
                        shell.captureBytes().asLongValue() >> 10),
                        List.of(jobId,
                                ToolParam.optional("offset", Long.class, "The byte offset to read from; default: "
                                        + "the tail."),
                                ToolParam.optional("stream", String.class, "stdout (default) or stderr."),
                                ToolParam.optional("wait_seconds", Integer.class, "How long to wait for new output "
                                        + "while the job runs; default 0.")),
                        true,
                        (call, args) -> jobs.output(call, args.string("job_id"), args.string("stream"),
                                args.longInteger("offset"),
                                args.integer("wait_seconds"))),
                new ToolSpec("job_status", "Describe a job", """
                        Tells whether a job runs or how it ended (exited, signaled, timed_out, killed, oom_killed, \
                        or lost when it ended without a record), with its command, exit code, start and end time \
                        and how much output it wrote.""", List.of(jobId), true,
                        (call, args) -> jobs.status(call.conversation(), args.string("job_id"))),
                new ToolSpec("job_kill", "Kill a job", """
                        Kills a job's command and every process it started, and returns its final status. Killing a \
                        job that already ended is not an error (its leftover background processes, if any, are \
                        killed too).""", List.of(jobId), false,
                        (call, args) -> jobs.kill(call.conversation(), args.string("job_id"))),
                new ToolSpec("list_jobs", "List jobs", """
                        Lists this conversation's jobs, newest first (at most %d; the %d most recent finished jobs \
                        are kept), with status, exit code, command and output size. Every bash call is a job, so \
                        this also finds the output of a call whose client gave up waiting.""".formatted(
                        config.listLimit(), config.retained()), List.of(), true,
                        (call, args) -> jobs.list(call.conversation())));
    }
}
