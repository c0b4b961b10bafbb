package dev.agentbox.shell;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

import org.jboss.logging.Logger;

import dev.agentbox.conversation.ConversationKey;
import dev.agentbox.conversation.Conversations;
import dev.agentbox.egress.EgressDecision;
import dev.agentbox.egress.EgressEvents;
import dev.agentbox.jobs.JobAdmission;
import dev.agentbox.jobs.Jobs;
import dev.agentbox.jobs.JobsConfig;
import dev.agentbox.sandbox.CapturedOutput;
import dev.agentbox.sandbox.ExecHandle;
import dev.agentbox.sandbox.ExecRequest;
import dev.agentbox.sandbox.ExecResult;
import dev.agentbox.sandbox.SandboxConfig;
import dev.agentbox.toolcall.CallContext;
import dev.agentbox.toolcall.Reason;
import dev.agentbox.toolcall.ToolFailure;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.mutiny.subscription.Cancellable;

/**
 * The {@code bash} tool: runs a command with bash in the conversation's sandbox. The working directory and exported
 * variables carry over from one call to the next, stdin is closed, and the timeout kills the whole process tree.
 */
@ApplicationScoped
public class Shell {

    private static final Logger LOG = Logger.getLogger(Shell.class);
    private static final Duration TICK = Duration.ofMillis(200);
    /** What the C library says for ENOSPC, in the locale every command starts with. */
    private static final String NO_SPACE = "No space left on device";

    /**
     * Runs the command (read from stdin, so its length is not bound by the kernel's argument limit) in the saved
     * working directory with the saved exports, and saves both again when the shell exits, however it exits.
     */
    static final String WRAPPER = """
            __agentbox_state=/run/agentbox
            IFS= read -r -d '' __agentbox_command
            exec 0</dev/null
            if [ -r "$__agentbox_state/env" ]; then . "$__agentbox_state/env" 2>/dev/null; fi
            if [ -r "$__agentbox_state/cwd" ] && IFS= read -r __agentbox_cwd < "$__agentbox_state/cwd"; then
                cd -- "$__agentbox_cwd" 2>/dev/null || cd /workspace
            fi
            unset __agentbox_cwd
            __agentbox_save() {
                builtin pwd > "$__agentbox_state/cwd"
                export -p > "$__agentbox_state/env"
            } 2>/dev/null
            trap __agentbox_save EXIT
            eval "$__agentbox_command"
            """;

    private final Conversations conversations;
    private final ShellConfig config;
    private final SandboxConfig sandboxConfig;
    private final JobsConfig jobsConfig;
    private final Instance<JobAdmission> admission;
    private final EgressEvents egressEvents;

    Shell(Conversations conversations, ShellConfig config, SandboxConfig sandboxConfig, JobsConfig jobsConfig,
            Instance<JobAdmission> admission, EgressEvents egressEvents) {
        this.conversations = conversations;
        this.config = config;
        this.sandboxConfig = sandboxConfig;
        this.jobsConfig = jobsConfig;
        this.admission = admission;
        this.egressEvents = egressEvents;
    }

    /**
     * @param call whose sandbox runs the command, and the caller's progress and cancellation
     * @param command the bash command
     * @param timeoutSeconds the timeout, or {@code null} for the default
     * @param background whether to return at once with the job id instead of waiting
     * @return the result, or the job to follow when the command runs on past the foreground wait; a timeout, an OOM
     *         kill or an exhausted process limit fail with their reason code and carry the result as details
     */
    public Uni<BashResult> run(CallContext call, String command, Integer timeoutSeconds, boolean background) {
        return Uni.createFrom().deferred(() -> {
            Duration timeout = timeout(timeoutSeconds, background);
            ExecRequest request = request(command, timeout, background);
            return conversations.withSandbox(call.conversation(), sandbox -> {
                Runnable release = admission.isUnsatisfied() ? () -> {
                } : admission.get().admit(call.conversation());
                return sandbox.start(request).onFailure().invoke(release)
                        .invoke(exec -> exec.completion().subscribe().with(r -> release.run(), f -> release.run()))
                        .flatMap(exec -> background ? Uni.createFrom().item(started(exec, timeout))
                                : follow(call, exec, timeout));
            });
        });
    }

    private ExecRequest request(String command, Duration timeout, boolean background) {
        if (command == null || command.isBlank()) {
            throw ToolFailure.invalid("The command is empty; give the bash command to run, such as 'ls -la'.");
        }
        if (command.length() > config.maxCommandLength()) {
            throw ToolFailure.tooLarge("The command is " + command.length() + " characters long; the limit is "
                    + config.maxCommandLength() + ". Write long scripts to a file with write_file and run the file.");
        }
        int capture = (int) Math.min(Integer.MAX_VALUE, config.captureBytes().asLongValue());
        return new ExecRequest(List.of("/bin/bash", "--noprofile", "--norc", "-c", WRAPPER, "bash"),
                command.getBytes(StandardCharsets.UTF_8), "/workspace", Map.of(), timeout, capture, capture,
                Jobs.labels(command, background));
    }

    private Duration timeout(Integer seconds, boolean background) {
        if (seconds == null) {
            return background ? config.maxTimeout() : config.defaultTimeout();
        }
        if (seconds < 1 || seconds > config.maxTimeout().toSeconds()) {
            throw ToolFailure.invalid("timeout_seconds must be between 1 and " + config.maxTimeout().toSeconds()
                    + ", not " + seconds + ".");
        }
        return Duration.ofSeconds(seconds);
    }

    /**
     * Waits for the command up to the foreground wait, meanwhile reporting progress and honouring cancellation. A
     * command still running then is left running as a job.
     */
    private Uni<BashResult> follow(CallContext call, ExecHandle exec, Duration timeout) {
        Cancellable watch = watch(call, exec, timeout);
        return exec.completion().map(Optional::of)
                .ifNoItem().after(jobsConfig.foregroundWait()).recoverWithItem(Optional.empty())
                // The timeout fires on an event loop, and reading a running job's output may block.
                .emitOn(Infrastructure.getDefaultWorkerPool())
                .eventually(watch::cancel)
                .map(done -> done.map(result -> finished(call.conversation(), exec, result, timeout))
                        .orElseGet(() -> stillRunning(exec, timeout)));
    }

    /** Every tick: kill the command if the caller cancelled, and send progress when due and wanted. */
    private Cancellable watch(CallContext call, ExecHandle exec, Duration timeout) {
        long started = System.nanoTime();
        long interval = jobsConfig.progressInterval().toNanos();
        AtomicLong lastProgress = new AtomicLong(started);
        AtomicBoolean killed = new AtomicBoolean();
        // Ticks fire on an event loop; killing a job and reading its output may block (a remote backend asks its
        // sandbox), so the work moves to a worker thread, and ticks that come while one is handled are dropped.
        return Multi.createFrom().ticks().every(TICK).onOverflow().drop()
                .emitOn(Infrastructure.getDefaultWorkerPool()).subscribe().with(tick -> {
                    if (call.isCancelled()) {
                        if (killed.compareAndSet(false, true)) {
                            LOG.debugf("Call cancelled, killing its job [job: %s]", exec.id());
                            exec.kill();
                        }
                        return;
                    }
                    long now = System.nanoTime();
                    if (call.wantsProgress() && now - lastProgress.get() >= interval) {
                        lastProgress.set(now);
                        long elapsed = TimeUnit.NANOSECONDS.toSeconds(now - started);
                        call.progress(elapsed, progressMessage(exec, elapsed, timeout));
                    }
                }, failure -> LOG.debugf("Job watch ended [job: %s, cause: %s]", exec.id(), failure.getMessage()));
    }

    private static String progressMessage(ExecHandle exec, long elapsedSeconds, Duration timeout) {
        CapturedOutput stdout = exec.output(false);
        CapturedOutput stderr = exec.output(true);
        String last = lastLine(stderr.totalBytes() > 0 && stdout.totalBytes() == 0 ? stderr : stdout);
        return "running " + elapsedSeconds + " s of at most " + timeout.toSeconds() + " s; " + stdout.totalBytes()
                + " bytes of stdout, " + stderr.totalBytes() + " of stderr" + (last.isEmpty() ? "" : "; last: " + last);
    }

    private static String lastLine(CapturedOutput output) {
        byte[] end = output.tail().length > 0 ? output.tail() : output.head();
        String text = OutputText.decode(java.util.Arrays.copyOfRange(end, Math.max(0, end.length - 400), end.length))
                .stripTrailing();
        String line = text.substring(text.lastIndexOf('\n') + 1);
        return line.length() > 200 ? line.substring(line.length() - 200) : line;
    }

    private BashResult started(ExecHandle exec, Duration timeout) {
        return new BashResult(exec.id(), "running", null, null, "", "", 0, false, 0, 0, "Started in the background as "
                + "job " + exec.id() + " (killed after " + timeout.toSeconds() + " s). Follow its output with "
                + "job_output(job_id=\"" + exec.id() + "\", wait_seconds=30), check it with job_status, stop it with "
                + "job_kill.");
    }

    private BashResult stillRunning(ExecHandle exec, Duration timeout) {
        Rendered rendered = render(exec.output(false), exec.output(true));
        long elapsed = Duration.between(exec.startedAt(), java.time.Instant.now()).toMillis();
        return new BashResult(exec.id(), "running", null, null, rendered.stdout.text(), rendered.stderr.text(),
                elapsed, rendered.cut(), exec.output(false).totalBytes(), exec.output(true).totalBytes(),
                "The command is still running as job " + exec.id() + " (it is killed " + timeout.toSeconds()
                        + " s after it started). Follow it with job_output(job_id=\"" + exec.id() + "\", "
                        + "wait_seconds=30) until it completes, or stop it with job_kill.");
    }

    private BashResult finished(ConversationKey conversation, ExecHandle exec, ExecResult result, Duration timeout) {
        if (result.startError() != null) {
            throw new ToolFailure(Reason.SANDBOX_UNAVAILABLE, "bash could not start in the sandbox: "
                    + result.startError());
        }
        Rendered rendered = render(result.stdout(), result.stderr());
        String pageNote = rendered.cut() ? "The output kept in job " + exec.id() + " (the first and last "
                + (config.captureBytes().asLongValue() >> 10) + " KiB of each stream) can be paged with "
                + "job_output(job_id=\"" + exec.id() + "\", offset=...)." : null;
        String egressNote = egressNote(conversation, exec, result);
        String note = egressNote == null ? pageNote : pageNote == null ? egressNote : egressNote + "\n" + pageNote;
        BashResult bash = new BashResult(exec.id(), Jobs.status(result), result.shellExitCode(), result.signal(),
                rendered.stdout.text(), rendered.stderr.text(), result.duration().toMillis(), rendered.cut(),
                result.stdout().totalBytes(), result.stderr().totalBytes(), note);
        LOG.debugf("Command ended [conversation: %s, job: %s, exit: %d, took: %d ms]", conversation.id(), exec.id(),
                bash.exitCode(), bash.durationMs());
        if (result.timedOut()) {
            throw new ToolFailure(Reason.TIMEOUT, "The command ran longer than its timeout of " + timeout.toSeconds()
                    + " s and was killed with every process it started. Pass a larger timeout_seconds (up to "
                    + config.maxTimeout().toSeconds() + "), or background: true for long work.", bash);
        }
        if (result.oomKilled()) {
            throw new ToolFailure(Reason.OOM_KILLED, "The command was killed because the sandbox ran out of memory "
                    + "(limit " + (sandboxConfig.limits().memory().asLongValue() >> 20)
                    + " MiB for all its processes). Use less memory, or stop background processes.", bash);
        }
        if (result.pidsExhausted()) {
            throw new ToolFailure(Reason.PIDS_EXHAUSTED, "The sandbox hit its limit of "
                    + sandboxConfig.limits().pids() + " processes and threads while the command ran, so some forks "
                    + "failed; the processes the command left running were killed. Start fewer processes at once.",
                    bash);
        }
        if (failedForSpace(result)) {
            throw new ToolFailure(Reason.DISK_FULL, "The command failed because a file system of the sandbox is full "
                    + "(\"" + NO_SPACE + "\" in its stderr): the workspace's disk or /tmp, which is small and held in "
                    + "memory. Delete what is no longer needed (du -sh /workspace/* /tmp/* shows what takes the room) "
                    + "and run the command again.", bash);
        }
        return bash;
    }

    /**
     * @return whether the command failed and its stderr says that a disk was full (in the head and tail kept of it)
     */
    private static boolean failedForSpace(ExecResult result) {
        if (result.shellExitCode() == 0) {
            return false;
        }
        CapturedOutput stderr = result.stderr();
        return contains(stderr.tail(), NO_SPACE) || contains(stderr.head(), NO_SPACE);
    }

    private static boolean contains(byte[] bytes, String text) {
        return bytes.length >= text.length()
                && new String(bytes, StandardCharsets.ISO_8859_1).contains(text);
    }

    /**
     * @return a note naming the connections the egress policy refused while the command ran, or {@code null}
     */
    private String egressNote(ConversationKey conversation, ExecHandle exec, ExecResult result) {
        java.time.Instant started = exec.startedAt();
        List<EgressDecision> blocked = egressEvents.blockedBetween(conversation.id(), started,
                started.plus(result.duration()).plusSeconds(1));
        if (blocked.isEmpty()) {
            return null;
        }
        List<String> destinations = blocked.stream().map(EgressDecision::destination).distinct().limit(10).toList();
        return "EGRESS_BLOCKED: the egress policy (profile '" + blocked.get(0).profile() + "') refused "
                + blocked.size() + " connection" + (blocked.size() == 1 ? "" : "s") + " while this command ran, to "
                + String.join(", ", destinations) + ". Only the hosts in sandbox_info's egress rules are reachable, "
                + "through the proxy in HTTPS_PROXY/HTTP_PROXY.";
    }

    /** Both streams cut to one output budget. */
    private record Rendered(OutputText.Rendered stdout, OutputText.Rendered stderr) {
        boolean cut() {
            return stdout.cut() || stderr.cut();
        }
    }

    private Rendered render(CapturedOutput stdout, CapturedOutput stderr) {
        int budget = config.maxOutputChars();
        OutputText.Rendered err = OutputText.render(stderr, stderrBudget(stdout, budget), "stderr");
        OutputText.Rendered out = OutputText.render(stdout, budget - Math.min(budget / 2, err.text().length()),
                "stdout");
        return new Rendered(out, err);
    }

    /** stderr gets what stdout leaves, but at least a quarter of the budget when it has that much. */
    private static int stderrBudget(CapturedOutput stdout, int budget) {
        long stdoutChars = stdout.head().length + (long) stdout.tail().length;
        return (int) Math.max(budget / 4, budget - Math.min(stdoutChars, budget));
    }
}
