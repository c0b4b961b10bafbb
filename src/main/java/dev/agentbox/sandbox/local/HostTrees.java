package dev.agentbox.sandbox.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Operations on directory trees that a sandbox's user wrote, done by the server as root: removing them and flushing
 * them to disk. A tree written by a sandbox is hostile (deep, full of symlinks, modes that forbid reading), so these
 * go through coreutils, which walk it with {@code openat} and never follow a symlink; the path given must lie in
 * directories only the server can change.
 */
final class HostTrees {

    private static final long TIMEOUT_MINUTES = 30;

    private HostTrees() {
    }

    /**
     * Removes a tree; nothing happens when it does not exist. Symlinks in it are removed, never followed, and no other
     * file system mounted inside it is entered.
     */
    static void delete(Path tree) throws IOException {
        if (!Files.exists(tree, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        run(List.of("rm", "-rf", "--one-file-system", "--", tree.toString()), "remove " + tree);
    }

    /**
     * Flushes the file system holding {@code path} to disk, so that a tree written by another process survives a
     * crash of the host once it is renamed into place.
     */
    static void sync(Path path) throws IOException {
        run(List.of("sync", "--file-system", "--", path.toString()), "sync " + path);
    }

    /**
     * Runs a command of the host as root and waits for it.
     *
     * @param what what it does, for the message of the exception when it fails (with its output)
     */
    static void run(List<String> command, String what) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        byte[] output = process.getInputStream().readNBytes(4096);
        try {
            if (!process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IOException("Cannot " + what + ": still running after " + TIMEOUT_MINUTES + " minutes");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("Cannot " + what + ": interrupted", e);
        }
        if (process.exitValue() != 0) {
            throw new IOException("Cannot " + what + ": " + new String(output, StandardCharsets.UTF_8).strip());
        }
    }
}
