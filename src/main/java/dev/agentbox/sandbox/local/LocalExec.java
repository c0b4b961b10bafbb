package dev.agentbox.sandbox.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import org.jboss.logging.Logger;

import dev.agentbox.sandbox.CapturedOutput;
import dev.agentbox.sandbox.ExecHandle;
import dev.agentbox.sandbox.ExecResult;
import dev.agentbox.sandbox.SandboxException;
import io.smallrye.mutiny.Uni;

/**
 * One exec in a local sandbox, known by its record directory. Whoever started it (or found it again after a restart)
 * supplies a future that completes when its supervisor is done; the result itself is always read from the record.
 */
final class LocalExec implements ExecHandle {

    private static final Logger LOG = Logger.getLogger(LocalExec.class);

    private final ExecRecord record;
    private final Path recordDir;
    private final LocalSandbox sandbox;
    private final ExitRecords exitRecords;
    private final CompletableFuture<ExecResult> result;
    private volatile ExecResult finished;

    /**
     * @param supervisorDone completes when the supervisor has written the exit record or is gone without one
     */
    LocalExec(ExecRecord record, Path recordDir, LocalSandbox sandbox, ExitRecords exitRecords,
            CompletableFuture<?> supervisorDone, Executor executor) {
        this.record = record;
        this.recordDir = recordDir;
        this.sandbox = sandbox;
        this.exitRecords = exitRecords;
        this.result = supervisorDone.thenApplyAsync(ignored -> readFinished(), executor);
    }

    @Override
    public String id() {
        return record.id();
    }

    @Override
    public Map<String, String> labels() {
        return record.labels();
    }

    @Override
    public Instant startedAt() {
        return record.startedAt();
    }

    Path recordDir() {
        return recordDir;
    }

    @Override
    public Optional<ExecResult> result() {
        ExecResult known = finished;
        if (known != null) {
            return Optional.of(known);
        }
        try {
            return exitRecords.read(recordDir).map(this::remember);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public boolean isRunning() {
        return result().isEmpty() && supervisor().isPresent();
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
        Optional<ProcessHandle> supervisor = supervisor();
        if (supervisor.isPresent() && result().isEmpty()) {
            // The supervisor kills the whole tree and records that it did.
            supervisor.get().destroy();
        } else {
            // Ended already: what may be left are background processes it started.
            sandbox.killExecTree(id());
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
            LOG.debugf("Exec record not removed [exec: %s, cause: %s]", id(), e.getMessage());
        }
    }

    /**
     * @return the supervisor process, when it still runs
     */
    Optional<ProcessHandle> supervisor() {
        try {
            String[] fields = Files.readString(recordDir.resolve("supervisor")).trim().split(" ");
            long pid = Long.parseLong(fields[0]);
            return ProcStat.isSame(pid, Long.parseLong(fields[1])) ? ProcessHandle.of(pid) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private ExecResult readFinished() {
        Optional<ExecResult> known = result();
        if (known.isPresent()) {
            ExecResult done = known.get();
            if (Integer.valueOf(9).equals(done.signal()) && !done.timedOut() && !done.killed() && !sandbox.isAlive()) {
                throw SandboxException.lost("The sandbox stopped while the command ran");
            }
            return done;
        }
        if (!sandbox.isAlive()) {
            throw SandboxException.lost("The sandbox stopped while the command ran");
        }
        throw SandboxException.lost("The command's supervisor stopped without recording how the command ended; its "
                + "log: " + helperLog());
    }

    private ExecResult remember(ExitRecord exit) {
        if (exit.pidsMax() > 0 && finished == null) {
            // The command exhausted the process limit; whatever it left running (typically a fork bomb) would keep
            // the sandbox unable to fork, so it goes now rather than break the next call.
            sandbox.killExecTree(id());
        }
        ExecResult done = new ExecResult(exit.exitCode(), exit.signal(), exit.timedOut(), exit.killed(),
                exit.oomKills() > 0 && diedOfSigkill(exit), exit.pidsMax() > 0,
                Duration.ofMillis(Math.max(0, exit.endedAtMs() - exit.startedAtMs())), output(false), output(true),
                exit.error());
        finished = done;
        return done;
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
