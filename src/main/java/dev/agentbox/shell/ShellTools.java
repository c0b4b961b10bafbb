package dev.agentbox.shell;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import dev.agentbox.jobs.JobsConfig;
import dev.agentbox.sandbox.SandboxConfig;
import dev.agentbox.toolcall.ToolParam;
import dev.agentbox.toolcall.ToolSet;
import dev.agentbox.toolcall.ToolSpec;

/**
 * The {@code bash} tool.
 */
@ApplicationScoped
public class ShellTools implements ToolSet {

    private final Shell shell;
    private final ShellConfig config;
    private final SandboxConfig sandbox;
    private final JobsConfig jobs;

    ShellTools(Shell shell, ShellConfig config, SandboxConfig sandbox, JobsConfig jobs) {
        this.shell = shell;
        this.config = config;
        this.sandbox = sandbox;
        this.jobs = jobs;
    }

    @Override
    public int order() {
        return 10;
    }

    @Override
    public List<ToolSpec> tools() {
        String description = """
                Runs a command with bash in this conversation's own sandbox (Linux, as an unprivileged user), in \
                /workspace or wherever an earlier call cd'd to: the working directory and exported variables \
                carry over between calls. Stdin is closed, so interactive programs must be given their input. \
                Returns the exit code (a non-zero code is a normal result), stdout, stderr and the duration. \
                Output over %,d characters keeps its head and tail with a note of what was cut \
                (OUTPUT_TRUNCATED). Every command runs as a job whose output is kept: a command still running \
                after %d s returns its job_id and the output so far and goes on running (follow it with \
                job_output); background: true returns the job_id at once. The timeout defaults to %d s (%d s in \
                the background, at most %d s); at the timeout the command and every process it started are \
                killed (TIMEOUT). Processes started with & survive the call. Limits for the whole sandbox: %d MiB \
                of memory (OOM_KILLED) and %d processes (PIDS_EXHAUSTED); a command that fails for a full disk \
                answers DISK_FULL; no network. /workspace persists; /tmp \
                is private and lost when the sandbox stops after %d minutes without calls or running jobs.\
                """.formatted(config.maxOutputChars(), jobs.foregroundWait().toSeconds(),
                config.defaultTimeout().toSeconds(), config.maxTimeout().toSeconds(), config.maxTimeout().toSeconds(),
                sandbox.limits().memory().asLongValue() >> 20, sandbox.limits().pids(),
                sandbox.idleTimeout().toMinutes());
        return List.of(new ToolSpec("bash", "Run a bash command", description, List.of(
                ToolParam.required("command", String.class, "The bash command or script to run, at most "
                        + config.maxCommandLength() + " characters."),
                ToolParam.optional("timeout_seconds", Integer.class, "Seconds before the command is killed; default "
                        + config.defaultTimeout().toSeconds() + " (" + config.maxTimeout().toSeconds()
                        + " in the background), at most " + config.maxTimeout().toSeconds() + "."),
                ToolParam.optional("background", Boolean.class, "Start the command as a job and return its job_id "
                        + "at once; default false.")),
                false,
                (call, args) -> shell.run(call, args.string("command"), args.integer("timeout_seconds"),
                        args.flag("background", false))));
    }
}
