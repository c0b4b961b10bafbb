package dev.agentbox.sandbox.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.agentbox.conversation.ConversationKey;
import dev.agentbox.egress.local.LocalEgress;
import dev.agentbox.egress.local.NetworkAttachment;
import dev.agentbox.sandbox.Isolation;
import dev.agentbox.sandbox.RestoreRequest;
import dev.agentbox.sandbox.Sandbox;
import dev.agentbox.sandbox.SandboxException;
import dev.agentbox.sandbox.SandboxProvider;
import dev.agentbox.sandbox.SandboxSpec;
import dev.agentbox.sandbox.SurvivingSandbox;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * The embedded backend: one long-lived sandbox per conversation on this machine, built from namespaces (bubblewrap),
 * cgroup v1 limits and the exec helper. Sandboxes outlive the server process; a restarted server finds them again
 * through the record each one leaves in its conversation's directory.
 */
@ApplicationScoped
public class LocalSandboxProvider implements SandboxProvider {

    private static final Logger LOG = Logger.getLogger(LocalSandboxProvider.class);

    static final String RECORD_FILE = "sandbox.json";
    private static final ConversationKey PROBE = new ConversationKey("", "isolation-probe");

    private final LocalConfig config;
    private final ObjectMapper json;
    private final LocalEgress egress;
    private final Executor executor = Infrastructure.getDefaultWorkerPool();
    private final ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "agentbox-exec-watcher");
        thread.setDaemon(true);
        return thread;
    });

    private volatile Path helper;
    private volatile ConversationStore store;
    private volatile Cgroups cgroups;
    private volatile ExitRecords exitRecords;
    private volatile ExecServerClient execServer;
    private volatile Path stateDir;
    private volatile Isolation isolation = new Isolation(Isolation.Level.NONE, List.of(), false, false, false, false,
            false, false, List.of(), "unknown", List.of("the local backend has not started"));
    private volatile String unavailableReason = "the local backend has not started";
    private volatile SandboxSpec.Limits limits;
    private volatile WorkspaceTransfers transfers;
    private final Set<LocalSandbox> live = ConcurrentHashMap.newKeySet();

    LocalSandboxProvider(LocalConfig config, ObjectMapper json, LocalEgress egress) {
        this.config = config;
        this.json = json;
        this.egress = egress;
    }

    @Override
    public String name() {
        return "local";
    }

    @Override
    public Isolation isolation() {
        return isolation;
    }

    @Override
    public String unavailableReason() {
        return unavailableReason;
    }

    @Override
    public void start(SandboxSpec.Limits limits) {
        this.limits = limits;
        try {
            if (!isRoot()) {
                refuse("the local backend must run as root to create namespaces, cgroups and per-conversation users");
                return;
            }
            // Absolute: helpers and exec servers outlive this process and must not depend on its working directory.
            stateDir = config.stateDir().toAbsolutePath().normalize();
            Files.createDirectories(stateDir);
            Files.setPosixFilePermissions(stateDir, PosixFilePermissions.fromString("rwx--x--x"));
            exitRecords = new ExitRecords(json);
            execServer = new ExecServerClient(json);
            helper = ExecHelper.install(stateDir.resolve("bin"));
            long volumeBytes = config.workspaceQuota().asLongValue();
            if (volumeBytes > 0) {
                String volumeProblem = WorkspaceVolumes.probe(stateDir);
                if (volumeProblem != null) {
                    refuse("workspace volumes for the disk quota cannot be used here (" + volumeProblem + "); set "
                            + "agentbox.local.workspace-quota=0 to run without a quota per workspace");
                    return;
                }
            }
            store = new ConversationStore(stateDir, config.runtimeDir().toAbsolutePath().normalize(), config.uidBase(),
                    config.uidCount(), volumeBytes, json);
            Cgroups candidate = new Cgroups(config.cgroupRoot(), config.cgroupParent());
            String cgroupProblem = candidate.prepare();
            cgroups = cgroupProblem == null ? candidate : null;
            if (cgroupProblem != null) {
                LOG.warnf("Sandboxes get no cgroup limits [cause: %s]", cgroupProblem);
            } else {
                int stale = candidate.removeStale();
                if (stale > 0) {
                    LOG.infof("Cgroups of stopped sandboxes removed [count: %d]", stale);
                }
            }
            transfers = new WorkspaceTransfers(this, store, config, helper, executor);
            transfers.removeLeftovers();
            isolation = probe(limits);
            unavailableReason = refusal(isolation);
            if (unavailableReason == null) {
                egress.start();
            }
            watcher.scheduleWithFixedDelay(this::archiveEnded, 10, 10, TimeUnit.SECONDS);
        } catch (IOException | RuntimeException e) {
            LOG.errorf(e, "The local backend cannot start");
            refuse("the local backend cannot start: " + e.getMessage());
        }
    }

    private Isolation probe(SandboxSpec.Limits limits) throws IOException {
        ConversationStore.Meta meta = store.open(PROBE);
        LocalSandbox sandbox;
        try {
            sandbox = create(new SandboxSpec(PROBE, limits), meta);
        } catch (SandboxException e) {
            return new Isolation(Isolation.Level.NONE, List.of(), false, false, false, false, false, false, List.of(),
                    "unknown", List.of("a sandbox cannot be created: " + e.getMessage()));
        }
        try {
            return HostProbe.measure(sandbox, meta.uid(), cgroups != null);
        } finally {
            sandbox.destroyNow();
        }
    }

    private String refusal(Isolation measured) {
        return switch (measured.level()) {
            case FULL -> null;
            case PARTIAL -> config.minimumIsolation() == LocalConfig.MinimumIsolation.PARTIAL ? null
                    : "sandboxes would lack " + String.join("; ", measured.missing())
                            + " (set agentbox.local.minimum-isolation=PARTIAL to accept this)";
            case NONE -> "sandboxes would not be isolated: " + String.join("; ", measured.missing());
        };
    }

    private void refuse(String reason) {
        unavailableReason = reason;
        isolation = new Isolation(Isolation.Level.NONE, List.of(), false, false, false, false, false, false,
                List.of(), "unknown", List.of(reason));
    }

    @Override
    public Uni<Sandbox> open(SandboxSpec spec) {
        String reason = unavailableReason;
        if (reason != null) {
            return Uni.createFrom().failure(SandboxException.unavailable("No sandbox can run here: " + reason, null));
        }
        return Uni.createFrom().<Sandbox> item(() -> openNow(spec)).runSubscriptionOn(executor);
    }

    @Override
    public List<SurvivingSandbox> survivors() {
        if (unavailableReason != null) {
            return List.of();
        }
        List<SurvivingSandbox> survivors = new ArrayList<>();
        for (ConversationFiles files : store.all()) {
            SandboxRecord record = readRecord(files);
            ConversationStore.Meta meta = record == null ? null : store.meta(files);
            if (meta == null || meta.principal().isEmpty()) {
                continue;
            }
            LocalSandbox sandbox = sandboxFor(record, files, limits);
            if (sandbox.isAlive() && adoptNetwork(sandbox, files)) {
                live.add(sandbox);
                survivors.add(new SurvivingSandbox(new ConversationKey(meta.principal(), meta.key()), sandbox));
            } else if (!sandbox.isAlive()) {
                LOG.infof("Sandbox found dead, cleaning up [sandbox: %s]", record.id());
                sandbox.destroyNow();
            }
        }
        egress.removeUnclaimed();
        return survivors;
    }

    @Override
    public List<ConversationKey> conversations() {
        if (store == null) {
            return List.of();
        }
        List<ConversationKey> keys = new ArrayList<>();
        for (ConversationFiles files : store.all()) {
            ConversationStore.Meta meta = store.meta(files);
            if (meta != null && !meta.principal().isEmpty()) {
                keys.add(new ConversationKey(meta.principal(), meta.key()));
            }
        }
        return keys;
    }

    @Override
    public Uni<Void> restore(SandboxSpec spec, RestoreRequest request) {
        String reason = unavailableReason;
        if (reason != null) {
            return Uni.createFrom().failure(SandboxException.unavailable("No sandbox can run here: " + reason, null));
        }
        return Uni.createFrom().<Void> item(() -> {
            transfers.restore(spec, request);
            return null;
        }).runSubscriptionOn(executor);
    }

    @Override
    public Uni<Void> delete(ConversationKey conversation, boolean workspace) {
        if (transfers == null) {
            return Uni.createFrom().failure(SandboxException.unavailable("The local backend has not started", null));
        }
        return Uni.createFrom().<Void> item(() -> {
            transfers.delete(conversation, workspace);
            live.removeIf(s -> !s.isAlive());
            return null;
        }).runSubscriptionOn(executor);
    }

    /** @return the limits sandboxes get by default, for sandboxes found again without a spec */
    SandboxSpec.Limits limits() {
        return limits;
    }

    /** Moves the records of ended execs to durable storage, and forgets sandboxes that are gone. */
    private void archiveEnded() {
        for (LocalSandbox sandbox : live) {
            try {
                sandbox.archiveEnded();
            } catch (RuntimeException e) {
                LOG.warnf("Archiving exec records failed [sandbox: %s, cause: %s]", sandbox.id(), e.getMessage());
            }
            if (!sandbox.isAlive()) {
                live.remove(sandbox);
            }
        }
    }

    private LocalSandbox openNow(SandboxSpec spec) {
        ConversationStore.Meta meta;
        try {
            meta = store.open(spec.conversation());
        } catch (IOException e) {
            throw SandboxException.unavailable("Cannot prepare the conversation's directory: " + e.getMessage(), e);
        }
        ConversationFiles files = store.files(spec.conversation().id());
        SandboxRecord survivor = readRecord(files);
        if (survivor != null) {
            LocalSandbox adopted = sandboxFor(survivor, files, spec.limits());
            if (adopted.isAlive() && !adopted.egress().rules().equals(spec.egress().rules())) {
                LOG.infof("Sandbox stopped [conversation: %s, sandbox: %s, reason: its egress profile is not the one"
                        + " asked for]", spec.conversation().id(), survivor.id());
                adopted.destroyNow();
            } else if (adopted.isAlive() && adoptNetwork(adopted, files)) {
                LOG.infof("Sandbox adopted [conversation: %s, sandbox: %s]", spec.conversation().id(), survivor.id());
                live.add(adopted);
                return adopted;
            }
            LOG.infof("Sandbox found dead, cleaning up [conversation: %s, sandbox: %s]", spec.conversation().id(),
                    survivor.id());
            adopted.destroyNow();
        }
        return create(spec, meta);
    }

    private LocalSandbox create(SandboxSpec spec, ConversationStore.Meta meta) {
        ConversationFiles files = store.files(spec.conversation().id());
        try {
            if (files.hasVolume()) {
                WorkspaceVolumes.awaitReleased(files);
            }
            return startSandbox(spec, meta, files, SandboxLayout.initCommand(config.bwrap(), files,
                    config.tmpSize().asLongValue()), true);
        } catch (IOException e) {
            throw SandboxException.unavailable("Cannot create a sandbox: " + e.getMessage(), e);
        }
    }

    /**
     * Starts a sandbox for a conversation on the given files and layout.
     *
     * @param ownSandbox whether it is the conversation's sandbox (recorded where a restarted server looks, and kept
     *        track of) rather than a short-lived transfer sandbox
     */
    LocalSandbox startSandbox(SandboxSpec spec, ConversationStore.Meta meta, ConversationFiles files,
            List<String> initCommand, boolean ownSandbox) {
        long started = System.nanoTime();
        String sandboxId = spec.conversation().id().substring(0, 12) + "-" + Long.toString(System.nanoTime(), 36);
        if (spec.egress().allowsAny() && egress.unavailableReason() != null) {
            throw SandboxException.unavailable("This conversation's egress profile '" + spec.egress().profile()
                    + "' cannot be enforced here (" + egress.unavailableReason() + "); use profile 'none'", null);
        }
        Cgroups.Sandbox sandboxCgroups = cgroups == null ? null : cgroups.sandbox(sandboxId);
        JsonNode init = null;
        try {
            if (sandboxCgroups != null) {
                sandboxCgroups.create(spec.limits());
            }
            SandboxLayout.writeAccounts(files, meta.uid());
            store.prepareRuntime(files, meta.uid());
            Path socket = execSocket(sandboxId);
            init = runInit(files, sandboxCgroups, socket, initCommand);
            long nsPid = init.path("nsPid").asLong();
            NetworkAttachment network = spec.egress().allowsAny()
                    ? egress.attach(spec.conversation().id(), sandboxId, nsPid, spec.egress())
                    : null;
            SandboxRecord record = new SandboxRecord(sandboxId, init.path("pid").asLong(), nsPid,
                    ProcStat.startTime(nsPid), meta.uid(), sandboxCgroups != null, Instant.now(),
                    init.hasNonNull("servePid") ? socket.toString() : null,
                    spec.egress().allowsAny() ? spec.egress().rules() : null, network);
            writeRecord(files, record);
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            LocalSandbox sandbox = sandboxFor(record, files, spec.limits());
            if (ownSandbox) {
                LOG.infof("Sandbox created [conversation: %s, sandbox: %s, took: %d ms]", spec.conversation().id(),
                        sandboxId, took);
                live.add(sandbox);
            } else {
                LOG.debugf("Transfer sandbox created [conversation: %s, sandbox: %s, took: %d ms]",
                        spec.conversation().id(), sandboxId, took);
            }
            return sandbox;
        } catch (IOException | RuntimeException e) {
            if (init != null) {
                // Without cgroups too: SIGKILL of the namespace's pid 1 ends every process in it.
                ProcessHandle.of(init.path("nsPid").asLong()).ifPresent(ProcessHandle::destroyForcibly);
            }
            if (sandboxCgroups != null) {
                sandboxCgroups.killAll();
                sandboxCgroups.remove();
            }
            if (e instanceof SandboxException se) {
                throw se;
            }
            throw SandboxException.unavailable("Cannot create a sandbox: " + e.getMessage(), e);
        }
    }

    /**
     * Where a sandbox's exec server listens: under the state directory, unless that path would be too long for a UNIX
     * socket (108 bytes), then in a directory of its own under /run.
     */
    private Path execSocket(String sandboxId) throws IOException {
        Path dir = stateDir.resolve("run");
        if (dir.resolve(sandboxId + ".sock").toString().length() > 100) {
            dir = Path.of("/run/agentbox-" + Integer.toHexString(stateDir.toString().hashCode()));
        }
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        return dir.resolve(sandboxId + ".sock");
    }

    private JsonNode runInit(ConversationFiles files, Cgroups.Sandbox sandboxCgroups, Path socket,
            List<String> initCommand) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(helper.toString(), "init", "--timeout-ms", "10000", "--log",
                files.sandbox().resolve("init.log").toString(), "--serve-socket", socket.toString()));
        if (sandboxCgroups != null) {
            for (Path dir : sandboxCgroups.all()) {
                cmd.addAll(List.of("--cgroup", dir.toString()));
            }
        }
        cmd.add("--");
        cmd.addAll(initCommand);
        Process process = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null")
                .toFile())).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out;
        try (var stdout = process.getInputStream()) {
            out = new String(stdout.readAllBytes(), StandardCharsets.UTF_8).trim();
        }
        try {
            process.waitFor(15, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        JsonNode result = out.isEmpty() ? json.createObjectNode() : json.readTree(out);
        if (result.hasNonNull("error") || !result.hasNonNull("nsPid")) {
            throw SandboxException.unavailable("The sandbox init did not start: "
                    + result.path("error").asText("no answer from the exec helper"), null);
        }
        return result;
    }

    LocalSandbox sandboxFor(SandboxRecord record, ConversationFiles files, SandboxSpec.Limits limits) {
        Cgroups.Sandbox sandboxCgroups = record.cgroups() && cgroups != null ? cgroups.sandbox(record.id()) : null;
        return new LocalSandbox(record, files, sandboxCgroups, limits, helper, executor, exitRecords, json, watcher,
                execServer, egress);
    }

    /**
     * Takes back the network of a sandbox found running. One whose network cannot be restored is stopped: it would
     * otherwise run without the egress rules it was made with.
     *
     * @return whether the sandbox can be used
     */
    private boolean adoptNetwork(LocalSandbox sandbox, ConversationFiles files) {
        SandboxRecord record = sandbox.record();
        if (record.network() == null) {
            return true;
        }
        try {
            egress.adopt(record.network(), files.root().getFileName().toString(), record.id(), record.nsPid(),
                    record.egressPolicy());
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.warnf("Sandbox stopped [sandbox: %s, reason: its egress network cannot be restored: %s]", record.id(),
                    e.getMessage());
            sandbox.destroyNow();
            return false;
        }
    }

    SandboxRecord readRecord(ConversationFiles files) {
        Path file = files.sandbox().resolve(RECORD_FILE);
        if (!Files.exists(file)) {
            return null;
        }
        try {
            return json.readValue(file.toFile(), SandboxRecord.class);
        } catch (IOException e) {
            LOG.warnf("Unreadable sandbox record ignored [file: %s, cause: %s]", file, e.getMessage());
            return null;
        }
    }

    private void writeRecord(ConversationFiles files, SandboxRecord record) throws IOException {
        Path temp = files.sandbox().resolve(RECORD_FILE + ".tmp");
        json.writeValue(temp.toFile(), record);
        Files.move(temp, files.sandbox().resolve(RECORD_FILE), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    private static boolean isRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
