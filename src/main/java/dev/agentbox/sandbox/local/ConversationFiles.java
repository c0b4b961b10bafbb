package dev.agentbox.sandbox.local;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where one conversation's files live on the host: below the backend's state directory (durable), and below its
 * runtime directory (a tmpfs, for what every call writes). Only the workspace, the home directory and the shell state
 * are visible inside the sandbox.
 *
 * @param root the conversation's directory, {@code <state-dir>/conversations/<conversation id>}
 * @param runtime the conversation's runtime directory, {@code <runtime-dir>/conversations/<conversation id>}
 */
record ConversationFiles(Path root, Path runtime) {

    /** Names the directories of workspace transfers, below a conversation's directories. */
    static final String TRANSFER_PREFIX = "transfer-";

    /** Bound at {@code /workspace}: the agent's files, unless the conversation has a volume. */
    Path workspace() {
        return root.resolve("workspace");
    }

    /** Bound at {@code /home/agent}: dot files and caches, kept apart from the workspace; unless it has a volume. */
    Path home() {
        return root.resolve("home");
    }

    /** The image of the conversation's volume (see {@link WorkspaceVolumes}), which holds its workspace and home. */
    Path volumeImage() {
        return root.resolve("volume.img");
    }

    /** Where the volume is mounted, in the namespaces that mount it; an empty directory on the host. */
    Path volume() {
        return root.resolve("volume");
    }

    /** Whether the workspace and home are on a volume of their own, rather than directories of the state directory. */
    boolean hasVolume() {
        return Files.exists(volumeImage());
    }

    /** What is bound at {@code /workspace}, as the sandbox's init sees it. */
    Path workspaceSource() {
        return hasVolume() ? volume().resolve(WorkspaceVolumes.WORKSPACE) : workspace();
    }

    /** What is bound at {@code /home/agent}, as the sandbox's init sees it. */
    Path homeSource() {
        return hasVolume() ? volume().resolve(WorkspaceVolumes.HOME) : home();
    }

    /** Bound at {@code /run/agentbox}: the shell's saved working directory and exported variables. */
    Path shellState() {
        return runtime.resolve("shell");
    }

    /** The records of execs that ended, one directory each: output, exit, labels. Never visible in the sandbox. */
    Path execs() {
        return root.resolve("execs");
    }

    /** The records of execs that run (or left processes running), until they move to {@link #execs()}. */
    Path runningExecs() {
        return runtime.resolve("execs");
    }

    /** The running sandbox's own files: passwd and group, the init log, the record used to find it again. */
    Path sandbox() {
        return root.resolve("sandbox");
    }

    /**
     * The files of one workspace transfer (a restore): its own sandbox directory and exec records, and a new
     * workspace that replaces {@link #workspace()} when the transfer succeeds. Below the conversation's directories,
     * so that the new workspace is on the workspace's file system and a crash leaves nothing outside them.
     */
    ConversationFiles transfer(String transferId) {
        return new ConversationFiles(root.resolve(TRANSFER_PREFIX + transferId),
                runtime.resolve(TRANSFER_PREFIX + transferId));
    }

    /** Who owns the conversation and which host user id it runs as. */
    Path meta() {
        return root.resolve("conversation.json");
    }
}
