package dev.agentbox.sandbox.local;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

import org.jboss.logging.Logger;

import dev.agentbox.sandbox.ExecHandle;
import dev.agentbox.sandbox.ExecRequest;
import dev.agentbox.sandbox.Sandbox;
import dev.agentbox.sandbox.SandboxException;
import dev.agentbox.sandbox.SandboxSpec;
import io.smallrye.mutiny.Uni;

/**
 * A running local sandbox: a bubblewrap init in its own namespaces and cgroups. Every exec is supervised by the
 * exec helper, which joins those namespaces and cgroups and drops every privilege before running the command.
 */
final class LocalSandbox implements Sandbox {

    private static final Logger LOG = Logger.getLogger(LocalSandbox.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ID_CHARS = "abcdefghijkmnpqrstuvwxyz23456789".toCharArray();

    private final SandboxRecord record;
    private final ConversationFiles files;
    private final Cgroups.Sandbox cgroups;
    private final SandboxSpec.Limits limits;
    private final Path helper;
    private final Executor executor;
    private final ExitRecords exitRecords;

    LocalSandbox(SandboxRecord record, ConversationFiles files, Cgroups.Sandbox cgroups, SandboxSpec.Limits limits,
            Path helper, Executor executor, ExitRecords exitRecords) {
        this.record = record;
        this.files = files;
        this.cgroups = cgroups;
        this.limits = limits;
        this.helper = helper;
        this.executor = executor;
        this.exitRecords = exitRecords;
    }

    @Override
    public String id() {
        return record.id();
    }

    SandboxRecord record() {
        return record;
    }

    @Override
    public Uni<ExecHandle> start(ExecRequest request) {
        return Uni.createFrom().item(() -> startNow(request)).runSubscriptionOn(executor);
    }

    private ExecHandle startNow(ExecRequest request) {
        if (!isAlive()) {
            throw SandboxException.lost("The sandbox's init process is gone");
        }
        if (cgroups != null && cgroups.processCount() >= limits.pids() - 2) {
            cgroups.killLargestExecTree();
        }
        String execId = newExecId();
        Path recordDir = files.execs().resolve(execId);
        try {
            Files.createDirectory(recordDir);
            if (request.stdin().length > 0) {
                Files.write(recordDir.resolve("stdin"), request.stdin());
            }
            Process supervisor = new ProcessBuilder(runCommand(execId, recordDir, request))
                    .redirectInput(new File("/dev/null"))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.appendTo(recordDir.resolve("helper.log").toFile()))
                    .start();
            return new LocalExec(execId, recordDir, supervisor, this, executor, exitRecords);
        } catch (IOException e) {
            throw SandboxException.unavailable("Cannot start the exec helper: " + e.getMessage(), e);
        }
    }

    private List<String> runCommand(String execId, Path recordDir, ExecRequest request) {
        List<String> cmd = new ArrayList<>(List.of(helper.toString(), "run", "--record", recordDir.toString(),
                "--ns-pid", Long.toString(record.nsPid()), "--uid", Integer.toString(record.uid()), "--gid",
                Integer.toString(record.uid()), "--cwd", request.cwd(), "--seccomp",
                "--nofile", Integer.toString(limits.openFiles()), "--fsize", Long.toString(limits.fileSizeBytes()),
                "--capture", request.captureHead() + ":" + request.captureTail()));
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
        }
        Map<String, String> env = new LinkedHashMap<>();
        for (String entry : SandboxLayout.baseEnvironment()) {
            int eq = entry.indexOf('=');
            env.put(entry.substring(0, eq), entry.substring(eq + 1));
        }
        env.putAll(request.env());
        env.forEach((k, v) -> cmd.addAll(List.of("--env", k + "=" + v)));
        cmd.add("--");
        cmd.addAll(request.argv());
        return cmd;
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
        if (cgroups != null) {
            cgroups.remove();
        }
    }

    private static void awaitGone(long pid) {
        for (int i = 0; i < 200 && ProcStat.isRunning(pid); i++) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static String newExecId() {
        char[] id = new char[12];
        for (int i = 0; i < id.length; i++) {
            id[i] = ID_CHARS[RANDOM.nextInt(ID_CHARS.length)];
        }
        return new String(id);
    }
}
