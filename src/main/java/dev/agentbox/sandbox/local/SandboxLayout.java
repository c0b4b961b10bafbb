package dev.agentbox.sandbox.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The file system and namespaces of a local sandbox, as bubblewrap arguments: the host's {@code /usr} and
 * {@code /etc} read-only, the conversation's workspace, home and shell state read-write, a private {@code /tmp},
 * fresh {@code /proc} and {@code /dev}, and new pid, mount, ipc, uts, cgroup and network namespaces (loopback only).
 * Nothing else of the host is visible.
 */
final class SandboxLayout {

    static final String WORKSPACE = "/workspace";
    static final String HOME = "/home/agent";
    static final String SHELL_STATE = "/run/agentbox";
    static final String USER = "agent";
    /** Where a transfer sandbox sees the current workspace, read-only. */
    static final String SOURCE = "/source";

    /** Top-level directories that merged-/usr systems make symlinks into /usr, and older systems keep as is. */
    private static final List<String> SYSTEM_DIRS = List.of("bin", "sbin", "lib", "lib32", "lib64", "libx32");

    private SandboxLayout() {
    }

    /**
     * @return the command that starts the sandbox's init: bubblewrap, then a shell that reports readiness on fd 9 (as
     *         the exec helper's {@code init} expects) and becomes {@code sleep infinity}
     */
    static List<String> initCommand(String bwrap, ConversationFiles files, long tmpSizeBytes) throws IOException {
        List<String> args = system(bwrap, files, tmpSizeBytes);
        args.addAll(List.of("--bind", files.workspaceSource().toString(), WORKSPACE,
                "--bind", files.homeSource().toString(), HOME,
                "--bind", files.shellState().toString(), SHELL_STATE));
        return files.hasVolume() ? WorkspaceVolumes.mounted(files, finish(args)) : finish(args);
    }

    /**
     * @param transfer the transfer's own files: its {@link ConversationFiles#workspace()} is the new workspace being
     *        filled, bound at {@code /workspace}
     * @param source the current workspace, bound read-only at {@value #SOURCE}, or {@code null} when the restore does
     *        not need it
     * @return the command that starts a transfer sandbox's init: the same system as a conversation's sandbox, but
     *         with nothing of the conversation visible except the new workspace (and the old one, read-only)
     */
    static List<String> transferCommand(String bwrap, ConversationFiles transfer, Path source, long tmpSizeBytes)
            throws IOException {
        return transferCommand(bwrap, transfer, transfer.workspace(), source, tmpSizeBytes);
    }

    /**
     * @param volume the conversation whose volume holds both the new workspace (in the directory {@code target} at
     *        the volume's top) and the current one; the volume is mounted for the transfer sandbox
     * @return the command that starts a transfer sandbox's init for a conversation with a volume
     */
    static List<String> volumeTransferCommand(String bwrap, ConversationFiles transfer, ConversationFiles volume,
            String target, boolean withSource, long tmpSizeBytes) throws IOException {
        return WorkspaceVolumes.mounted(volume, transferCommand(bwrap, transfer, volume.volume().resolve(target),
                withSource ? volume.workspaceSource() : null, tmpSizeBytes));
    }

    private static List<String> transferCommand(String bwrap, ConversationFiles transfer, Path workspace, Path source,
            long tmpSizeBytes) throws IOException {
        List<String> args = system(bwrap, transfer, tmpSizeBytes);
        args.addAll(List.of("--bind", workspace.toString(), WORKSPACE));
        if (source != null) {
            args.addAll(List.of("--ro-bind", source.toString(), SOURCE));
        }
        return finish(args);
    }

    private static List<String> system(String bwrap, ConversationFiles files, long tmpSizeBytes) throws IOException {
        List<String> args = new ArrayList<>(List.of(bwrap, "--unshare-pid", "--unshare-ipc", "--unshare-uts",
                "--unshare-cgroup", "--unshare-net", "--hostname", "agentbox", "--ro-bind", "/usr", "/usr"));
        for (String dir : SYSTEM_DIRS) {
            Path hostDir = Path.of("/", dir);
            if (Files.isSymbolicLink(hostDir)) {
                args.addAll(List.of("--symlink", Files.readSymbolicLink(hostDir).toString(), "/" + dir));
            } else if (Files.isDirectory(hostDir)) {
                args.addAll(List.of("--ro-bind", "/" + dir, "/" + dir));
            }
        }
        args.addAll(List.of("--ro-bind", "/etc", "/etc",
                "--ro-bind", files.sandbox().resolve("passwd").toString(), "/etc/passwd",
                "--ro-bind", files.sandbox().resolve("group").toString(), "/etc/group",
                "--proc", "/proc", "--dev", "/dev",
                "--perms", "01777", "--size", Long.toString(tmpSizeBytes), "--tmpfs", "/tmp",
                "--perms", "01777", "--size", Long.toString(tmpSizeBytes / 4), "--tmpfs", "/dev/shm",
                // bwrap makes missing parent directories 0700, which the sandbox user could not traverse.
                "--perms", "0755", "--dir", "/var", "--perms", "0755", "--dir", "/home",
                "--perms", "0755", "--dir", "/run",
                "--symlink", "../tmp", "/var/tmp"));
        return args;
    }

    private static List<String> finish(List<String> args) {
        args.addAll(List.of("--chdir", WORKSPACE, "--new-session", "--cap-drop", "ALL",
                "--", "/bin/sh", "-c", "echo ready >&9; exec 9>&-; exec sleep infinity"));
        return args;
    }

    /** Writes the sandbox's {@code /etc/passwd} and {@code /etc/group}, naming its user {@code agent}. */
    static void writeAccounts(ConversationFiles files, int uid) throws IOException {
        Files.writeString(files.sandbox().resolve("passwd"), "root:x:0:0:root:/root:/usr/sbin/nologin\n"
                + USER + ":x:" + uid + ":" + uid + ":agent:" + HOME + ":/bin/bash\n"
                + "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
        Files.writeString(files.sandbox().resolve("group"), "root:x:0:\n" + USER + ":x:" + uid + ":\n"
                + "nogroup:x:65534:\n");
    }

    /**
     * @return the environment every exec starts from
     */
    static List<String> baseEnvironment() {
        return List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=" + HOME,
                "USER=" + USER, "LOGNAME=" + USER, "SHELL=/bin/bash", "LANG=C.UTF-8", "TERM=dumb", "TMPDIR=/tmp");
    }
}
