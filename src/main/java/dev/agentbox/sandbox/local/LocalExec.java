package dev.agentbox.sandbox.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import org.jboss.logging.Logger;

import dev.agentbox.sandbox.CapturedOutput;
import dev.agentbox.sandbox.ExecHandle;
import dev.agentbox.sandbox.ExecResult;
import dev.agentbox.sandbox.SandboxException;
import io.smallrye.mutiny.Uni;

/**
 * One exec in a local sandbox, followed through its helper process and its record directory.
 */
final class LocalExec implements ExecHandle {

    private static final Logger LOG = Logger.getLogger(LocalExec.class);

    private final String id;
    private final Path recordDir;
    private final Process supervisor;
    private final LocalSandbox sandbox;
    private final ExitRecords exitRecords;
    private final CompletableFuture<ExecResult> result;

    LocalExec(String id, Path recordDir, Process supervisor, LocalSandbox sandbox, Executor executor,
            ExitRecords exitRecords) {
        this.id = id;
        this.recordDir = recordDir;
        this.supervisor = supervisor;
        this.sandbox = sandbox;
        this.exitRecords = exitRecords;
        this.result = supervisor.onExit().thenApplyAsync(p -> readResult(p.exitValue()), executor);
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public Uni<ExecResult> completion() {
        return Uni.createFrom().completionStage(result);
    }

    @Override
    public CapturedOutput output(boolean stderr) {
        try {
            return CaptureFile.read(recordDir.resolve(stderr ? "stderr" : "stdout"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void kill() {
        if (supervisor.isAlive()) {
            // The helper kills the whole tree and records that it did.
            supervisor.destroy();
        } else {
            sandbox.killExecTree(id);
        }
    }

    @Override
    public void discard() {
        try (var files = Files.list(recordDir)) {
            for (Path file : files.toList()) {
                Files.deleteIfExists(file);
            }
            Files.deleteIfExists(recordDir);
        } catch (IOException e) {
            LOG.debugf("Exec record not removed [exec: %s, cause: %s]", id, e.getMessage());
        }
    }

    private ExecResult readResult(int helperExit) {
        ExitRecord exit;
        try {
            exit = exitRecords.read(recordDir).orElse(null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (exit == null) {
            if (!sandbox.isAlive()) {
                throw SandboxException.lost("The sandbox stopped while the command ran");
            }
            throw new IllegalStateException("The exec helper exited with " + helperExit
                    + " without a record; its log: " + helperLog());
        }
        if (exit.signal() != null && exit.signal() == 9 && !exit.timedOut() && !exit.killed()
                && !sandbox.isAlive()) {
            throw SandboxException.lost("The sandbox stopped while the command ran");
        }
        if (exit.pidsMax() > 0) {
            // The command exhausted the process limit; whatever it left running (typically a fork bomb) would keep
            // the sandbox unable to fork, so it goes now rather than break the next call.
            sandbox.killExecTree(id);
        }
        return new ExecResult(exit.exitCode(), exit.signal(), exit.timedOut(), exit.killed(),
                exit.oomKills() > 0 && diedOfSigkill(exit), exit.pidsMax() > 0,
                Duration.ofMillis(Math.max(0, exit.endedAtMs() - exit.startedAtMs())), output(false), output(true),
                exit.error());
    }

    /** Killed by SIGKILL itself, or a shell reporting that its child was (exit code 128 + 9). */
    private static boolean diedOfSigkill(ExitRecord exit) {
        return Integer.valueOf(9).equals(exit.signal()) || Integer.valueOf(137).equals(exit.exitCode());
    }

    private String helperLog() {
        try {
            String log = Files.readString(recordDir.resolve("helper.log"));
            return log.length() > 2000 ? log.substring(log.length() - 2000) : log;
        } catch (IOException e) {
            return "(none)";
        }
    }
}
