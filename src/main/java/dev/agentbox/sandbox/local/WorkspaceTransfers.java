package dev.agentbox.sandbox.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.stream.Stream;

import org.jboss.logging.Logger;

import dev.agentbox.conversation.ConversationKey;
import dev.agentbox.sandbox.ArchiveScripts;
import dev.agentbox.sandbox.ExecRequest;
import dev.agentbox.sandbox.ExecResult;
import dev.agentbox.sandbox.RestoreRequest;
import dev.agentbox.sandbox.SandboxException;
import dev.agentbox.sandbox.SandboxSpec;
import dev.agentbox.sandbox.WorkspaceTransferException;

/**
 * Restores and deletions of local workspaces.
 * <p>
 * A restore never writes into the live workspace. It starts a transfer sandbox for the conversation that sees only a
 * fresh, empty directory at {@code /workspace} (and, for a partial restore, the current workspace read-only at
 * {@code /source}); tar extracts the archive there as the conversation's user, with the sandbox's seccomp filter and
 * limits. Once that succeeded and is flushed to disk, the new directory and the workspace are swapped in one
 * {@code renameat2(RENAME_EXCHANGE)}, and the old tree is removed. A transfer directory that a crash left behind holds
 * either an incomplete new workspace or a replaced old one; both are removed at start-up.
 */
final class WorkspaceTransfers {

    private static final Logger LOG = Logger.getLogger(WorkspaceTransfers.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Names the new workspaces of restores at the top of a conversation's volume. */
    private static final String TRANSFER_PREFIX_IN_VOLUME = ".restore-";
    /** Beyond the transfer's own timeout: time to start and stop its sandbox. */
    private static final Duration SLACK = Duration.ofSeconds(60);

    private final LocalSandboxProvider provider;
    private final ConversationStore store;
    private final LocalConfig config;
    private final Path helper;
    private final Executor cleaner;

    WorkspaceTransfers(LocalSandboxProvider provider, ConversationStore store, LocalConfig config, Path helper,
            Executor cleaner) {
        this.provider = provider;
        this.store = store;
        this.config = config;
        this.helper = helper;
        this.cleaner = cleaner;
    }

    void restore(SandboxSpec spec, RestoreRequest request) {
        ConversationKey key = spec.conversation();
        ConversationStore.Meta meta = openConversation(key);
        ConversationFiles files = store.files(key.id());
        requireNoSandbox(files, spec);
        String transferId = newTransferId();
        ConversationFiles transfer = files.transfer(transferId);
        if (files.hasVolume()) {
            restoreOnVolume(spec, meta, files, transfer, TRANSFER_PREFIX_IN_VOLUME + transferId, request);
            return;
        }
        long started = System.nanoTime();
        boolean swapped = false;
        try {
            prepare(files, transfer, meta.uid());
            extract(spec, meta, transfer, request, SandboxLayout.transferCommand(config.bwrap(), transfer,
                    request.paths().isEmpty() ? null : files.workspace(), config.tmpSize().asLongValue()));
            long extracted = System.nanoTime();
            // Flushed before the swap: after a crash of the host the workspace is the old one or the complete new one.
            HostTrees.sync(transfer.workspace());
            long synced = System.nanoTime();
            ExecHelper.exchange(helper, transfer.workspace(), files.workspace());
            swapped = true;
            LOG.debugf("Workspace restored [conversation: %s, extract: %d ms, sync: %d ms]", key.id(),
                    (extracted - started) / 1_000_000, (synced - extracted) / 1_000_000);
        } catch (IOException e) {
            throw new WorkspaceTransferException(WorkspaceTransferException.Kind.FAILED,
                    "The restored workspace could not be put in place: " + e.getMessage());
        } finally {
            if (swapped) {
                // The replaced tree can be large; nobody waits for it to go (start-up removes it after a crash).
                cleaner.execute(() -> removeQuietly(transfer));
            } else {
                removeQuietly(transfer);
            }
        }
    }

    /**
     * A restore on a conversation's volume: the new workspace is a directory at the volume's top, next to the current
     * one, which it replaces with the same exchange once it is complete. It counts against the volume's quota meanwhile.
     */
    private void restoreOnVolume(SandboxSpec spec, ConversationStore.Meta meta, ConversationFiles files,
            ConversationFiles transfer, String target, RestoreRequest request) {
        long started = System.nanoTime();
        boolean swapped = false;
        try {
            Files.createDirectory(transfer.root());
            Files.setPosixFilePermissions(transfer.root(), PosixFilePermissions.fromString("rwx------"));
            Files.createDirectory(transfer.execs());
            Files.createDirectory(transfer.sandbox());
            // Left-overs of restores that a crash interrupted go first: they take room in the volume.
            WorkspaceVolumes.run(files, "prepare the restore", "rm -rf --one-file-system -- "
                    + TRANSFER_PREFIX_IN_VOLUME + "* && mkdir -m 0755 -- \"$1\" && chown \"$2:$2\" -- \"$1\"",
                    target, Integer.toString(meta.uid()));
            WorkspaceVolumes.awaitReleased(files);
            extract(spec, meta, transfer, request, SandboxLayout.volumeTransferCommand(config.bwrap(), transfer, files,
                    target, !request.paths().isEmpty(), config.tmpSize().asLongValue()));
            long extracted = System.nanoTime();
            // Flushed inside the volume, then the volume's image on the host, before the swap is relied on. The old
            // tree goes at once: it takes room in the volume, and nobody may mount it while it goes.
            WorkspaceVolumes.run(files, "put the restored workspace in place", "sync -f . && \"$1\" exchange \"$2\" "
                    + WorkspaceVolumes.WORKSPACE + " || exit 1\nrm -rf --one-file-system -- \"$2\" || true",
                    helper.toString(), target);
            swapped = true;
            HostTrees.sync(files.volumeImage());
            LOG.debugf("Workspace restored on its volume [conversation: %s, extract: %d ms, swap: %d ms]",
                    spec.conversation().id(), (extracted - started) / 1_000_000,
                    (System.nanoTime() - extracted) / 1_000_000);
        } catch (IOException e) {
            throw new WorkspaceTransferException(WorkspaceTransferException.Kind.FAILED,
                    "The restored workspace could not be put in place: " + e.getMessage());
        } finally {
            if (!swapped) {
                try {
                    WorkspaceVolumes.run(files, "remove an unfinished restore", "rm -rf --one-file-system -- \"$1\"",
                            target);
                } catch (IOException e) {
                    LOG.warnf("An unfinished restore stays in the volume until the next one [conversation: %s, "
                            + "cause: %s]", spec.conversation().id(), e.getMessage());
                }
            }
            removeQuietly(transfer);
        }
    }

    /**
     * The new workspace: owned by the conversation's user, with the current workspace's mode, which the user may have
     * changed, but never one that keeps the user from filling it.
     */
    private static void prepare(ConversationFiles files, ConversationFiles transfer, int uid) throws IOException {
        Files.createDirectory(transfer.root());
        Files.setPosixFilePermissions(transfer.root(), PosixFilePermissions.fromString("rwx------"));
        Files.createDirectory(transfer.workspace());
        Files.setAttribute(transfer.workspace(), "unix:uid", uid);
        Files.setAttribute(transfer.workspace(), "unix:gid", uid);
        Set<PosixFilePermission> mode = EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_EXECUTE);
        mode.addAll(Files.getPosixFilePermissions(files.workspace(), LinkOption.NOFOLLOW_LINKS));
        Files.setPosixFilePermissions(transfer.workspace(), mode);
        Files.createDirectory(transfer.execs());
        Files.createDirectory(transfer.sandbox());
    }

    private void extract(SandboxSpec spec, ConversationStore.Meta meta, ConversationFiles transfer,
            RestoreRequest request, List<String> init) throws IOException {
        LocalSandbox sandbox = provider.startSandbox(spec, meta, transfer, init, false);
        try {
            ExecRequest exec = new ExecRequest(ArchiveScripts.argv(ArchiveScripts.EXTRACT, request.paths()), null,
                    SandboxLayout.WORKSPACE, Map.of(), request.timeout(), LocalSandbox.TRANSFER_CAPTURE,
                    LocalSandbox.TRANSFER_CAPTURE, Map.of("kind", "restore"));
            ExecResult result = sandbox.startNow(exec, request.archive(), null, spec.limits().fileSizeBytes())
                    .completion().await().atMost(request.timeout().plus(SLACK));
            ArchiveScripts.extractOutcome(result);
        } finally {
            sandbox.destroyNow();
        }
    }

    /**
     * Deletes a conversation's records, runtime files and, with {@code workspace}, everything else of it, freeing its
     * user id.
     */
    void delete(ConversationKey key, boolean workspace) {
        ConversationFiles files = store.files(key.id());
        try {
            ConversationStore.Meta meta = Files.exists(files.meta()) ? store.meta(files) : null;
            SandboxRecord running = provider.readRecord(files);
            if (running != null && meta != null) {
                // The caller stops the sandbox first; one that a racing call started meanwhile goes too.
                provider.sandboxFor(running, files, provider.limits()).destroyNow();
            }
            if (workspace) {
                store.delete(files, meta);
            } else {
                HostTrees.delete(files.runtime());
                HostTrees.delete(files.execs());
                if (Files.isDirectory(files.root())) {
                    Files.createDirectories(files.execs());
                }
            }
            LOG.infof("Conversation deleted [conversation: %s, workspace: %s]", key.id(), workspace);
        } catch (IOException e) {
            throw SandboxException.unavailable("The conversation could not be deleted: " + e.getMessage(), e);
        }
    }

    /**
     * Stops the transfer sandboxes and removes the transfer directories that an earlier server left when it died in
     * the middle of a restore.
     */
    void removeLeftovers() {
        for (ConversationFiles files : store.all()) {
            for (Path dir : transferDirs(files.root())) {
                ConversationFiles transfer = files.transfer(dir.getFileName().toString()
                        .substring(ConversationFiles.TRANSFER_PREFIX.length()));
                SandboxRecord record = provider.readRecord(transfer);
                if (record != null) {
                    provider.sandboxFor(record, transfer, provider.limits()).destroyNow();
                }
                LOG.infof("Leftover of an interrupted restore removed [conversation: %s]",
                        files.root().getFileName());
                removeQuietly(transfer);
            }
            for (Path dir : transferDirs(files.runtime())) {
                removeQuietly(dir);
            }
        }
    }

    private ConversationStore.Meta openConversation(ConversationKey key) {
        try {
            return store.open(key);
        } catch (IOException e) {
            throw SandboxException.unavailable("Cannot prepare the conversation's directory: " + e.getMessage(), e);
        }
    }

    private void requireNoSandbox(ConversationFiles files, SandboxSpec spec) {
        SandboxRecord record = provider.readRecord(files);
        if (record != null && provider.sandboxFor(record, files, spec.limits()).isAlive()) {
            throw new IllegalStateException("The conversation's sandbox " + record.id()
                    + " still runs; it must be stopped before its workspace is restored");
        }
    }

    private static List<Path> transferDirs(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(p -> p.getFileName().toString().startsWith(ConversationFiles.TRANSFER_PREFIX))
                    .toList();
        } catch (IOException e) {
            LOG.warnf("Cannot look for leftover transfers [dir: %s, cause: %s]", dir, e.getMessage());
            return List.of();
        }
    }

    private static void removeQuietly(ConversationFiles transfer) {
        removeQuietly(transfer.root());
        removeQuietly(transfer.runtime());
    }

    private static void removeQuietly(Path dir) {
        try {
            HostTrees.delete(dir);
        } catch (IOException e) {
            LOG.warnf("Cannot remove a transfer directory [dir: %s, cause: %s]", dir, e.getMessage());
        }
    }

    private static String newTransferId() {
        byte[] bytes = new byte[6];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
