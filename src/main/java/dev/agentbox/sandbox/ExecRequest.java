package dev.agentbox.sandbox;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One process to run in a sandbox.
 *
 * @param argv the program and its arguments; the program is looked up on the sandbox's {@code PATH}
 * @param stdin bytes fed to the process's standard input, then end of input; empty means stdin is closed at once
 * @param cwd the working directory inside the sandbox
 * @param env variables added to the sandbox's base environment
 * @param timeout how long the process may run before its whole process tree is killed; {@code null} means no limit
 * @param captureHead how many leading bytes of each output stream are kept
 * @param captureTail how many trailing bytes of each output stream are kept
 * @param labels short facts the caller wants kept with the exec's record (for example the command a job runs); the
 *        backend stores them and returns them from {@link ExecHandle#labels()}
 */
public record ExecRequest(List<String> argv, byte[] stdin, String cwd, Map<String, String> env, Duration timeout,
        int captureHead, int captureTail, Map<String, String> labels) {

    public ExecRequest(List<String> argv, byte[] stdin, String cwd, Map<String, String> env, Duration timeout,
            int captureHead, int captureTail) {
        this(argv, stdin, cwd, env, timeout, captureHead, captureTail, Map.of());
    }

    public ExecRequest {
        Objects.requireNonNull(argv, "argv");
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("argv must not be empty");
        }
        argv = List.copyOf(argv);
        stdin = stdin == null ? new byte[0] : stdin;
        env = env == null ? Map.of() : Map.copyOf(env);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        if (captureHead < 0 || captureTail < 0) {
            throw new IllegalArgumentException("capture sizes must not be negative");
        }
    }
}
