package dev.agentbox.shell;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

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

    ShellTools(Shell shell, ShellConfig config, SandboxConfig sandbox) {
        this.shell = shell;
        this.config = config;
        this.sandbox = sandbox;
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
                (OUTPUT_TRUNCATED). The timeout defaults to %d s (at most %d s); at the timeout the command and \
                every process it started are killed (TIMEOUT). Background processes started with & survive the \
                call. Limits: %d MiB of memory (OOM_KILLED) and %d processes (PIDS_EXHAUSTED) for the whole \
                sandbox; no network. /workspace persists; /tmp is private and lost when the sandbox stops after \
                %d minutes without calls.""".formatted(config.maxOutputChars(), config.defaultTimeout().toSeconds(),
                config.maxTimeout().toSeconds(), sandbox.limits().memory().asLongValue() >> 20,
                sandbox.limits().pids(), sandbox.idleTimeout().toMinutes());
        return List.of(new ToolSpec("bash", "Run a bash command", description, List.of(
                ToolParam.required("command", String.class, "The bash command or script to run, at most "
                        + config.maxCommandLength() + " characters."),
                ToolParam.optional("timeout_seconds", Integer.class, "Seconds before the command is killed; default "
                        + config.defaultTimeout().toSeconds() + ", at most " + config.maxTimeout().toSeconds()
                        + ".")),
                false,
                (conversation, args) -> shell.run(conversation, args.string("command"),
                        args.integer("timeout_seconds"))));
    }
}
