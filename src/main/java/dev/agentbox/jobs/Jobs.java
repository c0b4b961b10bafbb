package dev.agentbox.jobs;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import dev.agentbox.conversation.ConversationKey;
import dev.agentbox.conversation.Conversations;
import dev.agentbox.sandbox.CapturedOutput;
import dev.agentbox.sandbox.ExecHandle;
import dev.agentbox.sandbox.ExecResult;
import dev.agentbox.sandbox.ExecSummary;
import dev.agentbox.sandbox.Sandbox;
import dev.agentbox.shell.OutputText;
import dev.agentbox.shell.ShellConfig;
import dev.agentbox.toolcall.CallContext;
import dev.agentbox.toolcall.ToolFailure;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Follows and controls a conversation's jobs: the {@code bash} commands it ran, each with a durable record. A job of
 * another conversation is as unknown as one that never existed.
 */
@ApplicationScoped
public class Jobs {

    /** Label of every exec that is a job, with the value {@value #KIND_BASH}. */
    public static final String KIND = "kind";
    public static final String KIND_BASH = "bash";
    private static final String COMMAND = "command";
    private static final String MODE = "mode";
    private static final int MAX_COMMAND_LABEL = 2000;
    private static final Duration POLL = Duration.ofMillis(200);

    private final Conversations conversations;
    private final JobsConfig config;
    private final ShellConfig shell;

    Jobs(Conversations conversations, JobsConfig config, ShellConfig shell) {
        this.conversations = conversations;
        this.config = config;
        this.shell = shell;
    }

    /**
     * @return the labels that make an exec a job
     */
    public static Map<String, String> labels(String command, boolean background) {
        String shown = command.length() > MAX_COMMAND_LABEL ? command.substring(0, MAX_COMMAND_LABEL) + "..." : command;
        return Map.of(KIND, KIND_BASH, COMMAND, shown, MODE, background ? "background" : "foreground");
    }

    /**
     * @return the job as {@code job_status} shows it
     */
    public static JobStatus describe(ExecHandle exec) {
        ExecSummary summary = exec.describe();
        Instant started = exec.startedAt();
        if (!summary.ended()) {
            String status = summary.running() ? "running" : "lost";
            return new JobStatus(exec.id(), exec.labels().get(COMMAND), exec.labels().get(MODE), status, null, null,
                    started, null, Duration.between(started, Instant.now()).toMillis(), summary.stdoutBytes(),
                    summary.stderrBytes());
        }
        return new JobStatus(exec.id(), exec.labels().get(COMMAND), exec.labels().get(MODE), status(summary),
                summary.shellExitCode(), summary.signal(), started, started.plus(summary.duration()),
                summary.duration().toMillis(), summary.stdoutBytes(), summary.stderrBytes());
    }

    /**
     * @return the status word for a finished job
     */
    public static String status(ExecResult result) {
        return status(ExecSummary.ended(result, 0, 0));
    }

    private static String status(ExecSummary ended) {
        if (ended.timedOut()) {
            return "timed_out";
        }
        if (ended.killed()) {
            return "killed";
        }
        if (ended.oomKilled()) {
            return "oom_killed";
        }
        return ended.exitCode() != null ? "exited" : "signaled";
    }

    public Uni<JobStatus> status(ConversationKey conversation, String jobId) {
        return conversations.withSandbox(conversation, sandbox -> blocking(() -> describe(find(sandbox, jobId))));
    }

    public Uni<JobList> list(ConversationKey conversation) {
        return conversations.withSandbox(conversation, sandbox -> blocking(() -> {
            List<ExecHandle> jobs = jobs(sandbox);
            List<JobStatus> shown = jobs.stream().limit(config.listLimit()).map(Jobs::describe).toList();
            return new JobList(shown, jobs.size() - shown.size());
        }));
    }

    /**
     * Kills a job's whole process tree; a job that already ended is not an error.
     */
    public Uni<JobStatus> kill(ConversationKey conversation, String jobId) {
        return conversations.withSandbox(conversation, sandbox -> blocking(() -> {
            ExecHandle job = find(sandbox, jobId);
            job.kill();
            return job;
        }).flatMap(job -> blocking(job::isRunning).flatMap(running -> running
                ? job.completion().onFailure().recoverWithItem(() -> null).replaceWith(job)
                        .ifNoItem().after(Duration.ofSeconds(10)).recoverWithItem(job)
                : Uni.createFrom().item(job)))
                .flatMap(job -> blocking(() -> describe(job))));
    }

    /**
     * Reads a job's output from a byte offset (or its tail), waiting up to {@code waitSeconds} for output past the
     * offset while the job runs.
     */
    public Uni<JobOutput> output(CallContext call, String jobId, String stream, Long offset, Integer waitSeconds) {
        return Uni.createFrom().deferred(() -> {
            boolean stderr = checkStream(stream);
            if (offset != null && offset < 0) {
                throw ToolFailure.invalid("offset is a byte position from 0, not " + offset + ".");
            }
            long maxWait = config.maxOutputWait().toSeconds();
            if (waitSeconds != null && (waitSeconds < 0 || waitSeconds > maxWait)) {
                throw ToolFailure.invalid("wait_seconds must be between 0 and " + maxWait + ", not " + waitSeconds
                        + ".");
            }
            Instant deadline = Instant.now().plusSeconds(waitSeconds == null ? 0 : waitSeconds);
            return conversations.withSandbox(call.conversation(), sandbox -> blocking(() -> find(sandbox, jobId))
                    .flatMap(job -> awaitOutput(call, job, stderr, offset, deadline)));
        });
    }

    private Uni<JobOutput> awaitOutput(CallContext call, ExecHandle job, boolean stderr, Long offset,
            Instant deadline) {
        return blocking(() -> {
            boolean running = job.isRunning();
            CapturedOutput captured = job.output(stderr);
            boolean nothingNew = offset != null && offset >= captured.totalBytes();
            if (running && nothingNew && Instant.now().isBefore(deadline) && !call.isCancelled()) {
                return null;
            }
            return slice(job, stderr, captured, offset);
        }).onItem().ifNull().switchTo(() -> Uni.createFrom().item(Boolean.TRUE).onItem().delayIt().by(POLL)
                .flatMap(ignored -> awaitOutput(call, job, stderr, offset, deadline)));
    }

    /** Cuts the kept bytes of a stream to one result's budget, from an offset or, without one, from the tail. */
    private JobOutput slice(ExecHandle job, boolean stderr, CapturedOutput captured, Long offset) {
        int budget = shell.maxOutputChars();
        long total = captured.totalBytes();
        long tailStart = total - captured.tail().length;
        long start = offset != null ? Math.min(offset, total) : Math.max(0, total - budget);
        long skipped = 0;
        if (start >= captured.head().length && start < tailStart) {
            skipped = tailStart - start;
            start = tailStart;
        }
        byte[] bytes = new byte[(int) Math.min(budget, total - start)];
        for (int i = 0; i < bytes.length; i++) {
            long at = start + i;
            bytes[i] = at < captured.head().length ? captured.head()[(int) at]
                    : captured.tail()[(int) (at - tailStart)];
        }
        int length = utf8Boundary(bytes, bytes.length < total - start);
        String text = OutputText.decode(java.util.Arrays.copyOf(bytes, length));
        JobStatus status = describe(job);
        long next = start + length;
        return new JobOutput(job.id(), stderr ? "stderr" : "stdout", start, next, total, skipped, text,
                status.status(), !status.running() && next >= total);
    }

    /** Backs off from the end of a cut so that a multi-byte character is not split between two reads. */
    private static int utf8Boundary(byte[] bytes, boolean cut) {
        if (!cut) {
            return bytes.length;
        }
        int end = bytes.length;
        for (int back = 0; back < 3 && end > 0 && (bytes[end - 1] & 0xC0) == 0x80; back++) {
            end--;
        }
        if (end > 0 && (bytes[end - 1] & 0xC0) == 0xC0) {
            end--;
        }
        return end == 0 ? bytes.length : end;
    }

    private static boolean checkStream(String stream) {
        if (stream == null || stream.equals("stdout")) {
            return false;
        }
        if (stream.equals("stderr")) {
            return true;
        }
        throw ToolFailure.invalid("stream must be stdout or stderr, not '" + stream + "'.");
    }

    /** Forgets old finished jobs of every running sandbox, off the path of calls. */
    @Scheduled(every = "60S", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void pruneAll() {
        conversations.liveSandboxes().forEach(this::prune);
    }

    /**
     * Forgets the oldest finished jobs past the retained count.
     */
    void prune(Sandbox sandbox) {
        List<ExecHandle> jobs = jobs(sandbox);
        int kept = 0;
        for (ExecHandle job : jobs) {
            if (job.isRunning() || kept < config.retained()) {
                kept++;
                continue;
            }
            job.discard();
        }
    }

    /**
     * Runs what reads or changes a job on a worker thread: the SPI's synchronous methods may block on I/O (a remote
     * backend asks the sandbox), and tool calls arrive on event-loop threads.
     */
    private static <T> Uni<T> blocking(Supplier<T> work) {
        return Uni.createFrom().item(work).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    private static List<ExecHandle> jobs(Sandbox sandbox) {
        return sandbox.execs().stream().filter(e -> KIND_BASH.equals(e.labels().get(KIND))).toList();
    }

    private static ExecHandle find(Sandbox sandbox, String jobId) {
        if (jobId == null || jobId.isBlank()) {
            throw ToolFailure.invalid("job_id is empty; list_jobs shows the jobs of this conversation.");
        }
        return sandbox.exec(jobId).filter(e -> KIND_BASH.equals(e.labels().get(KIND)))
                .orElseThrow(() -> ToolFailure.notFound("There is no job '" + printable(jobId)
                        + "' in this conversation; list_jobs shows its jobs."));
    }

    private static String printable(String id) {
        String cut = id.length() > 40 ? id.substring(0, 40) + "..." : id;
        return new String(cut.getBytes(StandardCharsets.US_ASCII), StandardCharsets.US_ASCII);
    }
}
