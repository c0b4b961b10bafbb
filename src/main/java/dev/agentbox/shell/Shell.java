package dev.agentbox.shell;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.agentbox.conversation.ConversationKey;
import dev.agentbox.conversation.Conversations;
import dev.agentbox.sandbox.ExecRequest;
import dev.agentbox.sandbox.ExecResult;
import dev.agentbox.sandbox.SandboxConfig;
import dev.agentbox.toolcall.Reason;
import dev.agentbox.toolcall.ToolFailure;
import io.smallrye.mutiny.Uni;

/**
 * The {@code bash} tool: runs a command with bash in the conversation's sandbox. The working directory and exported
 * variables carry over from one call to the next, stdin is closed, and the timeout kills the whole process tree.
 */
@ApplicationScoped
public class Shell {

    private static final Logger LOG = Logger.getLogger(Shell.class);

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

    Shell(Conversations conversations, ShellConfig config, SandboxConfig sandboxConfig) {
        this.conversations = conversations;
        this.config = config;
        this.sandboxConfig = sandboxConfig;
    }

    /**
     * @param conversation whose sandbox runs the command
     * @param command the bash command
     * @param timeoutSeconds the timeout, or {@code null} for the default
     * @return the result; a timeout, an OOM kill or an exhausted process limit fail with their reason code and carry
     *         the result as details
     */
    public Uni<BashResult> run(ConversationKey conversation, String command, Integer timeoutSeconds) {
        return Uni.createFrom().deferred(() -> {
            ExecRequest request = request(command, timeout(timeoutSeconds));
            return conversations.withSandbox(conversation, sandbox -> sandbox.start(request)
                    .flatMap(exec -> exec.completion().invoke(exec::discard)))
                    .map(result -> toResult(conversation, result, request.timeout()));
        });
    }

    private ExecRequest request(String command, Duration timeout) {
        if (command == null || command.isBlank()) {
            throw ToolFailure.invalid("The command is empty.");
        }
        if (command.length() > config.maxCommandLength()) {
            throw ToolFailure.tooLarge("The command is " + command.length() + " characters long; the limit is "
                    + config.maxCommandLength() + ". Write long scripts to a file with write_file and run the file.");
        }
        int capture = (int) Math.min(Integer.MAX_VALUE, config.captureBytes().asLongValue());
        return new ExecRequest(List.of("/bin/bash", "--noprofile", "--norc", "-c", WRAPPER, "bash"),
                command.getBytes(StandardCharsets.UTF_8), "/workspace", Map.of(), timeout, capture, capture);
    }

    private Duration timeout(Integer seconds) {
        if (seconds == null) {
            return config.defaultTimeout();
        }
        if (seconds < 1 || seconds > config.maxTimeout().toSeconds()) {
            throw ToolFailure.invalid("timeout_seconds must be between 1 and " + config.maxTimeout().toSeconds()
                    + ", not " + seconds + ".");
        }
        return Duration.ofSeconds(seconds);
    }

    private BashResult toResult(ConversationKey conversation, ExecResult exec, Duration timeout) {
        if (exec.startError() != null) {
            throw new ToolFailure(Reason.SANDBOX_UNAVAILABLE, "bash could not start in the sandbox: "
                    + exec.startError());
        }
        int budget = config.maxOutputChars();
        OutputText.Rendered stderr = OutputText.render(exec.stderr(), stderrBudget(exec, budget), "stderr");
        OutputText.Rendered stdout = OutputText.render(exec.stdout(), budget - Math.min(budget / 2,
                stderr.text().length()), "stdout");
        BashResult result = new BashResult(exec.shellExitCode(), exec.signal(), stdout.text(), stderr.text(),
                exec.duration().toMillis(), stdout.cut() || stderr.cut(), exec.stdout().totalBytes(),
                exec.stderr().totalBytes());
        LOG.debugf("Command ended [conversation: %s, exit: %d, took: %d ms]", conversation.id(), result.exitCode(),
                result.durationMs());
        if (exec.timedOut()) {
            throw new ToolFailure(Reason.TIMEOUT, "The command ran longer than its timeout of " + timeout.toSeconds()
                    + " s and was killed with every process it started. Pass a larger timeout_seconds (up to "
                    + config.maxTimeout().toSeconds() + ") or make the command finish sooner.", result);
        }
        if (exec.oomKilled()) {
            throw new ToolFailure(Reason.OOM_KILLED, "The command was killed because the sandbox ran out of memory "
                    + "(limit " + (sandboxConfig.limits().memory().asLongValue() >> 20)
                    + " MiB for all its processes). Use less memory, or stop background processes.", result);
        }
        if (exec.pidsExhausted()) {
            throw new ToolFailure(Reason.PIDS_EXHAUSTED, "The sandbox hit its limit of "
                    + sandboxConfig.limits().pids() + " processes and threads while the command ran, so some forks "
                    + "failed; the processes the command left running were killed. Start fewer processes at once.",
                    result);
        }
        return result;
    }

    /** stderr gets what stdout leaves, but at least a quarter of the budget when it has that much. */
    private static int stderrBudget(ExecResult exec, int budget) {
        long stdoutChars = exec.stdout().head().length + (long) exec.stdout().tail().length;
        return (int) Math.max(budget / 4, budget - Math.min(stdoutChars, budget));
    }
}
