package dev.agentbox.sandbox.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import dev.agentbox.sandbox.CapturedOutput;
import dev.agentbox.sandbox.ExecHandle;
import dev.agentbox.sandbox.ExecResult;
import dev.agentbox.sandbox.SandboxException;
import dev.agentbox.sandbox.records.CaptureFile;
import dev.agentbox.sandbox.records.ExecRecord;
import dev.agentbox.sandbox.records.ExitRecord;
import io.smallrye.mutiny.Uni;

/**
 * One exec in a local sandbox, known by its record directory. Whoever started it (or found it again after a restart)
 * supplies a future that completes when its supervisor is done; the result itself is always read from the record.
 */
final class LocalExec implements ExecHandle {

    private final ExecRecord record;
    private final ExecRecordFiles files;
    private final LocalSandbox sandbox;
    private final ExitRecords exitRecords;
    private final CompletableFuture<ExecResult> result;
    private volatile ExecResult finished;

    /**
     * @param supervisorDone completes when the supervisor has written the exit record or is gone without one
     */
    LocalExec(ExecRecord record, ExecRecordFiles files, LocalSandbox sandbox, ExitRecords exitRecords,
            CompletableFuture<?> supervisorDone, Executor executor) {
        this.record = record;
        this.files = files;
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

    ExecRecordFiles files() {
        return files;
    }

    @Override
    public Optional<ExecResult> result() {
        ExecResult known = finished;
        if (known != null) {
            return Optional.of(known);
        }
        try {
            Optional<ExitRecord> exit;
            try {
                exit = exitRecords.read(files.running());
            } catch (NoSuchFileException e) {
                exit = exitRecords.read(files.archived());
            }
            return exit.map(this::remember);
        } catch (NoSuchFileException e) {
            return Optional.empty();
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
            return files.read(stderr ? "stderr" : "stdout", CaptureFile::read);
        } catch (NoSuchFileException e) {
            return CapturedOutput.EMPTY;
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
        files.delete();
    }

    /**
     * @return the supervisor process, when it still runs
     */
    Optional<ProcessHandle> supervisor() {
        try {
            String[] fields = files.read("supervisor", Files::readString).trim().split(" ");
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
        ExecResult done = exit.toResult(output(false), output(true));
        finished = done;
        return done;
    }

    private String helperLog() {
        try {
            String log = files.read("helper.log", Files::readString);
            return log.length() > 2000 ? log.substring(log.length() - 2000) : log;
        } catch (IOException e) {
            return "(none)";
        }
    }
}
