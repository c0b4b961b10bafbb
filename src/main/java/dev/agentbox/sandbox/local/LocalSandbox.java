package dev.agentbox.sandbox.local;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.agentbox.egress.EgressPolicy;
import dev.agentbox.egress.local.LocalEgress;
import dev.agentbox.sandbox.ArchiveRequest;
import dev.agentbox.sandbox.ArchiveResult;
import dev.agentbox.sandbox.ArchiveScripts;
import dev.agentbox.sandbox.ExecHandle;
import dev.agentbox.sandbox.ExecRequest;
import dev.agentbox.sandbox.Sandbox;
import dev.agentbox.sandbox.SandboxException;
import dev.agentbox.sandbox.SandboxSpec;
import dev.agentbox.sandbox.WorkspaceTransferException;
import dev.agentbox.sandbox.records.ExecRecord;
import io.smallrye.mutiny.Uni;

/**
 * A running local sandbox: a bubblewrap init in its own namespaces and cgroups. Every exec is supervised by the
 * exec helper, which joins those namespaces and cgroups and drops every privilege before running the command.
 */
final class LocalSandbox implements Sandbox {

    private static final Logger LOG = Logger.getLogger(LocalSandbox.class);
    private static final String EXEC_FILE = "exec.json";
    /** Bytes of stderr kept per end for a transfer: tar's complaints, never the data. */
    static final int TRANSFER_CAPTURE = 16 * 1024;

    private final SandboxRecord record;
    private final ConversationFiles files;
    private final Cgroups.Sandbox cgroups;
    private final SandboxSpec.Limits limits;
    private final Path helper;
    private final Executor executor;
    private final ExitRecords exitRecords;
    private final ObjectMapper json;
    private final ScheduledExecutorService watcher;
    private final ExecServerClient execServer;
    private final LocalEgress egress;
    private final EgressPolicy egressPolicy;
    private final Map<String, LocalExec> running = new ConcurrentHashMap<>();

    LocalSandbox(SandboxRecord record, ConversationFiles files, Cgroups.Sandbox cgroups, SandboxSpec.Limits limits,
            Path helper, Executor executor, ExitRecords exitRecords, ObjectMapper json,
            ScheduledExecutorService watcher, ExecServerClient execServer, LocalEgress egress) {
        this.record = record;
        this.files = files;
        this.cgroups = cgroups;
        this.limits = limits;
        this.helper = helper;
        this.executor = executor;
        this.exitRecords = exitRecords;
        this.json = json;
        this.watcher = watcher;
        this.execServer = execServer;
        this.egress = egress;
        this.egressPolicy = record.egressPolicy();
    }

    @Override
    public String id() {
        return record.id();
    }

    SandboxRecord record() {
        return record;
    }

    /** @return the id of the conversation this sandbox serves */
    String conversationId() {
        return files.root().getFileName().toString();
    }

    @Override
    public EgressPolicy egress() {
        return egressPolicy;
    }

    @Override
    public Uni<ExecHandle> start(ExecRequest request) {
        return Uni.createFrom().<ExecHandle> item(() -> startNow(request, null, null, limits.fileSizeBytes()))
                .runSubscriptionOn(executor);
    }

    @Override
    public Uni<ArchiveResult> archive(ArchiveRequest request) {
        ExecRequest exec = new ExecRequest(ArchiveScripts.argv(ArchiveScripts.ARCHIVE, request.paths()), null,
                SandboxLayout.WORKSPACE, Map.of(), request.timeout(), TRANSFER_CAPTURE, TRANSFER_CAPTURE,
                Map.of("kind", "archive"));
        return Uni.createFrom().item(() -> startNow(exec, null, request.target(), request.maxBytes()))
                .runSubscriptionOn(executor)
                .flatMap(handle -> handle.completion().eventually(handle::discard))
                .map(result -> {
                    List<String> warnings = ArchiveScripts.archiveOutcome(result, request.maxBytes());
                    try {
                        return new ArchiveResult(Files.size(request.target()), warnings);
                    } catch (IOException e) {
                        throw new WorkspaceTransferException(WorkspaceTransferException.Kind.FAILED,
                                "The archive cannot be read back: " + e.getMessage());
                    }
                });
    }

    /**
     * @param stdin a file of the server to feed to the command's standard input instead of the request's bytes, or
     *        {@code null}; opened by the helper before it enters the sandbox
     * @param stdout a new file for the command's standard output instead of the bounded capture, or {@code null}
     * @param fileSizeLimit the largest file the command may write
     */
    LocalExec startNow(ExecRequest request, Path stdin, Path stdout, long fileSizeLimit) {
        if (!isAlive()) {
            throw SandboxException.lost("The sandbox's init process is gone");
        }
        if (cgroups != null && cgroups.processCount() >= limits.pids() - 2) {
            cgroups.killLargestExecTree();
        }
        String execId = ExecRecord.newId();
        ExecRecordFiles recordFiles = recordFiles(execId);
        Path recordDir = recordFiles.running();
        ExecRecord execRecord = new ExecRecord(execId, Instant.now(), request.labels());
        try {
            Files.createDirectory(recordDir);
            json.writeValue(recordDir.resolve(EXEC_FILE).toFile(), execRecord);
            if (request.stdin().length > 0) {
                Files.write(recordDir.resolve("stdin"), request.stdin());
            }
            CompletableFuture<?> done = launch(recordDir, runArguments(execId, recordDir, request, stdin, stdout,
                    fileSizeLimit));
            LocalExec exec = new LocalExec(execRecord, recordFiles, this, exitRecords, done, executor);
            running.put(execId, exec);
            done.whenComplete((ignored, failure) -> running.remove(execId));
            return exec;
        } catch (IOException e) {
            throw SandboxException.unavailable("Cannot start the exec helper: " + e.getMessage(), e);
        }
    }

    /**
     * Starts the helper's supervisor for one exec, through the sandbox's exec server when it has one (no process
     * spawned by the JVM), else by spawning the helper. The future completes when the supervisor is done.
     */
    private CompletableFuture<?> launch(Path recordDir, List<String> runArguments) throws IOException {
        if (record.execSocket() != null) {
            try {
                return execServer.submit(Path.of(record.execSocket()), runArguments);
            } catch (IOException e) {
                LOG.warnf("Exec server unreachable, spawning the helper instead [sandbox: %s, cause: %s]", id(),
                        e.getMessage());
            }
        }
        List<String> cmd = new ArrayList<>(List.of(helper.toString(), "run", "--ns-pid",
                Long.toString(record.nsPid())));
        cmd.addAll(runArguments);
        Process supervisor = new ProcessBuilder(cmd)
                .redirectInput(new File("/dev/null"))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.appendTo(recordDir.resolve("helper.log").toFile()))
                .start();
        return supervisor.onExit();
    }

    /** The options of the helper's {@code run}, without {@code --ns-pid}: what the sandbox gives every exec. */
    private List<String> runArguments(String execId, Path recordDir, ExecRequest request, Path stdin, Path stdout,
            long fileSizeLimit) {
        List<String> cmd = new ArrayList<>(List.of("--record", recordDir.toString(), "--uid",
                Integer.toString(record.uid()), "--gid", Integer.toString(record.uid()), "--cwd", request.cwd(),
                "--seccomp", "--nofile", Integer.toString(limits.openFiles()), "--fsize",
                Long.toString(fileSizeLimit), "--capture",
                request.captureHead() + ":" + request.captureTail()));
        if (stdout != null) {
            cmd.addAll(List.of("--stdout", stdout.toString()));
        }
        if (cgroups != null) {
            for (Path dir : cgroups.limits()) {
                cmd.addAll(List.of("--cgroup", dir.toString()));
            }
            cmd.addAll(List.of("--exec-cgroup", cgroups.execCgroup(execId).toString(),
                    "--oom-file", cgroups.oomFile().toString(), "--pids-file", cgroups.pidsEventsFile().toString()));
        }
        if (request.timeout() != null) {
            cmd.addAll(List.of("--timeout-ms", Long.toString(Math.max(1, request.timeout().toMillis()))));
        }
        if (request.stdin().length > 0) {
            cmd.addAll(List.of("--stdin", recordDir.resolve("stdin").toString()));
        } else if (stdin != null) {
            cmd.addAll(List.of("--stdin", stdin.toString()));
        }
        Map<String, String> env = new LinkedHashMap<>();
        for (String entry : SandboxLayout.baseEnvironment()) {
            int eq = entry.indexOf('=');
            env.put(entry.substring(0, eq), entry.substring(eq + 1));
        }
        if (record.network() != null) {
            env.putAll(egress.proxyEnvironment());
        }
        env.putAll(request.env());
        env.forEach((k, v) -> cmd.addAll(List.of("--env", k + "=" + v)));
        cmd.add("--");
        cmd.addAll(request.argv());
        return cmd;
    }

    @Override
    public Optional<ExecHandle> exec(String id) {
        LocalExec live = running.get(id);
        if (live != null) {
            return Optional.of(live);
        }
        if (!ExecRecord.isId(id)) {
            return Optional.empty();
        }
        return Optional.ofNullable(fromRecord(recordFiles(id)));
    }

    @Override
    public List<ExecHandle> execs() {
        Set<String> ids = new HashSet<>(running.keySet());
        for (Path dir : new Path[] { files.runningExecs(), files.execs() }) {
            try (Stream<Path> records = Files.list(dir)) {
                records.map(r -> r.getFileName().toString()).filter(ExecRecord::isId)
                        .forEach(ids::add);
            } catch (NoSuchFileException e) {
                // a runtime directory emptied by a reboot
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        List<LocalExec> found = new ArrayList<>();
        for (String id : ids) {
            LocalExec live = running.get(id);
            LocalExec exec = live != null ? live : fromRecord(recordFiles(id));
            if (exec != null) {
                found.add(exec);
            }
        }
        found.sort(Comparator.comparing(LocalExec::startedAt).reversed());
        return List.copyOf(found);
    }

    /**
     * Moves the records of ended execs from the runtime tmpfs to the state directory, once no process of theirs is
     * left (a background process may still print into the record after its exec ended).
     */
    void archiveEnded() {
        try (Stream<Path> records = Files.list(files.runningExecs())) {
            for (Path dir : records.toList()) {
                String id = dir.getFileName().toString();
                if (!running.containsKey(id) && Files.exists(dir.resolve("exit"))
                        && (cgroups == null || Cgroups.pids(cgroups.execCgroup(id)).isEmpty())) {
                    recordFiles(id).archive();
                }
            }
        } catch (NoSuchFileException e) {
            // nothing ran since a reboot
        } catch (IOException e) {
            LOG.debugf("Cannot list running exec records [sandbox: %s, cause: %s]", id(), e.getMessage());
        }
    }

    private ExecRecordFiles recordFiles(String execId) {
        return new ExecRecordFiles(files.runningExecs().resolve(execId), files.execs().resolve(execId));
    }

    @Override
    public boolean isBusy() {
        return execs().stream().anyMatch(e -> e.result().isEmpty() && ((LocalExec) e).supervisor().isPresent());
    }

    /**
     * An exec found through its record: finished, or still running under a supervisor this server did not start (it
     * was started before a restart). A running one is then followed like the execs started here.
     */
    private LocalExec fromRecord(ExecRecordFiles recordFiles) {
        ExecRecord execRecord;
        try {
            execRecord = recordFiles.read(EXEC_FILE, f -> json.readValue(Files.readAllBytes(f), ExecRecord.class));
        } catch (IOException e) {
            return null;
        }
        if (Files.exists(recordFiles.current().resolve("exit"))) {
            return new LocalExec(execRecord, recordFiles, this, exitRecords, CompletableFuture.completedFuture(null),
                    executor);
        }
        return running.computeIfAbsent(execRecord.id(), id -> {
            CompletableFuture<Void> done = new CompletableFuture<>();
            LocalExec exec = new LocalExec(execRecord, recordFiles, this, exitRecords, done, executor);
            done.whenComplete((ignored, failure) -> running.remove(id));
            // Not inline: completing here would remove the entry from inside computeIfAbsent.
            watcher.execute(() -> watchUntilDone(exec, done));
            return exec;
        });
    }

    /** Completes {@code done} once the exec's exit record exists or its supervisor is gone. */
    private void watchUntilDone(LocalExec exec, CompletableFuture<Void> done) {
        if (Files.exists(exec.files().current().resolve("exit")) || exec.supervisor().isEmpty()) {
            done.complete(null);
            return;
        }
        watcher.schedule(() -> watchUntilDone(exec, done), 200, TimeUnit.MILLISECONDS);
    }

    /** Kills the tree of one exec: everything in its freezer cgroup. */
    void killExecTree(String execId) {
        if (cgroups != null) {
            Cgroups.killTree(cgroups.execCgroup(execId));
        }
    }

    /** Removes exec cgroups whose processes have all ended. */
    void sweepExecCgroups() {
        if (cgroups != null) {
            cgroups.removeEmptyExecCgroups();
        }
    }

    @Override
    public boolean isAlive() {
        return ProcStat.isSame(record.nsPid(), record.nsStartTime());
    }

    @Override
    public Uni<Void> destroy() {
        return Uni.createFrom().<Void> item(() -> {
            destroyNow();
            return null;
        }).runSubscriptionOn(executor);
    }

    void destroyNow() {
        try {
            Files.deleteIfExists(files.sandbox().resolve(LocalSandboxProvider.RECORD_FILE));
        } catch (IOException e) {
            LOG.warnf("Cannot remove sandbox record [sandbox: %s, cause: %s]", id(), e.getMessage());
        }
        stopRunningExecs();
        if (cgroups != null) {
            cgroups.killAll();
        }
        // Without cgroups the pid namespace still ends every process of the sandbox when its pid 1 dies.
        if (ProcStat.isSame(record.nsPid(), record.nsStartTime())) {
            ProcessHandle.of(record.nsPid()).ifPresent(ProcessHandle::destroyForcibly);
        }
        ProcessHandle.of(record.pid()).ifPresent(ProcessHandle::destroyForcibly);
        awaitGone(record.nsPid());
        awaitGone(record.pid());
        if (record.network() != null) {
            egress.detach(record.network());
        }
        if (cgroups != null) {
            cgroups.remove();
        }
        archiveEnded();
    }

    /**
     * Asks the supervisors of running execs to kill their trees first, so that their records say the jobs were killed
     * rather than that some signal ended them.
     */
    private void stopRunningExecs() {
        List<ProcessHandle> supervisors = execs().stream().filter(ExecHandle::isRunning)
                .map(e -> ((LocalExec) e).supervisor()).flatMap(Optional::stream).toList();
        supervisors.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        for (ProcessHandle supervisor : supervisors) {
            while (supervisor.isAlive() && ProcStat.isRunning(supervisor.pid()) && System.nanoTime() < deadline) {
                sleep(5);
            }
        }
    }

    private static void awaitGone(long pid) {
        for (int i = 0; i < 200 && ProcStat.isRunning(pid); i++) {
            sleep(5);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

}
