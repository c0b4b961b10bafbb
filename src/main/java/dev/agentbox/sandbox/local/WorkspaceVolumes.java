package dev.agentbox.sandbox.local;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

/**
 * Workspace volumes, the local backend's disk quota: a conversation's workspace and home directory on an ext4 file
 * system of their own, in a sparse image file of the quota's size ({@code volume.img}), so that an agent that fills
 * its disk fills only that (the kernel here has no project quotas, which would do without images).
 * <p>
 * The image is only ever mounted inside a mount namespace of its own: a sandbox's init mounts it (with
 * {@code unshare} and {@code mount -o loop}) before bubblewrap starts, and the server's own work in it (a restore)
 * runs in a short-lived shell that does the same. Nothing is mounted on the host, so no mount outlives the sandbox
 * that needed it, and the loop device goes away with the last mount. An image must never be mounted twice at once:
 * everyone who mounts one first waits until no loop device is backed by it any more.
 */
final class WorkspaceVolumes {

    private static final Logger LOG = Logger.getLogger(WorkspaceVolumes.class);
    static final String WORKSPACE = "workspace";
    static final String HOME = "home";
    /** How long a stopped sandbox's mount may take to go before a new one gives up. */
    private static final long RELEASE_TIMEOUT_MS = 10_000;
    /**
     * Mounts the image {@code $1} at {@code $2} (after a file system check if the first mount fails, as after a crash
     * of the host), then becomes the rest of the arguments. The image is sparse, so its unwritten inode tables read as
     * zeros already: {@code noinit_itable} keeps the kernel from writing them out, {@code discard} gives the blocks of
     * deleted files back to the host.
     */
    private static final String MOUNT = """
            img=$1 dir=$2 options=loop,nosuid,nodev,discard,noinit_itable; shift 2
            mount -t ext4 -o "$options" -- "$img" "$dir" 2>/dev/null \\
                || { e2fsck -p -- "$img" >&2; mount -t ext4 -o "$options" -- "$img" "$dir"; } \\
                || { echo "cannot mount the workspace volume $img" >&2; exit 125; }
            exec "$@"
            """;

    private WorkspaceVolumes() {
    }

    /**
     * Makes a new conversation's volume: an image of {@code sizeBytes} holding {@code workspace/} and {@code home/},
     * owned by the conversation's user. The image appears whole or not at all.
     */
    static void create(ConversationFiles files, int uid, long sizeBytes) throws IOException {
        Path template = files.root().resolve("volume-template");
        Path image = files.volumeImage();
        Path partial = image.resolveSibling(image.getFileName() + ".tmp");
        HostTrees.delete(template);
        for (String dir : List.of(WORKSPACE, HOME)) {
            Path made = Files.createDirectories(template.resolve(dir));
            Files.setPosixFilePermissions(made, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setAttribute(made, "unix:uid", uid);
            Files.setAttribute(made, "unix:gid", uid);
        }
        try (RandomAccessFile file = new RandomAccessFile(partial.toFile(), "rw")) {
            file.setLength(sizeBytes);
        }
        // No reserved blocks (the agent may fill it all), inode tables and journal left sparse until used.
        HostTrees.run(List.of("mkfs.ext4", "-q", "-F", "-m", "0", "-L", "agentbox",
                "-E", "nodiscard,lazy_itable_init=1,lazy_journal_init=1", "-d", template.toString(),
                partial.toString()), "make the workspace volume");
        Files.move(partial, image, StandardCopyOption.ATOMIC_MOVE);
        HostTrees.delete(template);
        Path mountPoint = Files.createDirectories(files.volume());
        Files.setPosixFilePermissions(mountPoint, PosixFilePermissions.fromString("rwx------"));
    }

    /**
     * @return {@code command}, run with the conversation's volume mounted at {@link ConversationFiles#volume()} in a
     *         mount namespace of its own
     */
    static List<String> mounted(ConversationFiles files, List<String> command) {
        List<String> wrapped = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "--",
                "/bin/sh", "-c", MOUNT, "agentbox-volume", files.volumeImage().toString(), files.volume().toString()));
        wrapped.addAll(command);
        return wrapped;
    }

    /**
     * Runs a shell script as root in the mounted volume (its working directory), once no sandbox holds it.
     *
     * @param args the script's arguments, {@code $1} on
     */
    static void run(ConversationFiles files, String what, String script, String... args) throws IOException {
        awaitReleased(files);
        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", "cd \"$0\" || exit 125\n" + script,
                files.volume().toString()));
        command.addAll(List.of(args));
        HostTrees.run(mounted(files, command), what);
    }

    /**
     * Waits until no loop device is backed by the conversation's image, so that a sandbox that was just stopped has
     * let go of it: two mounts of one ext4 image through two loop devices would corrupt it.
     *
     * @throws IOException when it is still held after a while
     */
    static void awaitReleased(ConversationFiles files) throws IOException {
        String image = files.volumeImage().toRealPath().toString();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RELEASE_TIMEOUT_MS);
        while (attached(image)) {
            if (System.nanoTime() > deadline) {
                throw new IOException("the workspace volume is still in use by a sandbox that is stopping; try again");
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the workspace volume", e);
            }
        }
    }

    /**
     * Checks that this host can mount volumes in a namespace of their own, with a small image in {@code scratch}.
     *
     * @return {@code null}, or why it cannot
     */
    static String probe(Path scratch) {
        ConversationFiles files = new ConversationFiles(scratch.resolve("volume-probe"), scratch.resolve("unused"));
        try {
            HostTrees.delete(files.root());
            Files.createDirectories(files.root());
            create(files, 0, 16L << 20);
            run(files, "try the workspace volume", "test -d " + WORKSPACE + " && test -d " + HOME);
            return null;
        } catch (IOException e) {
            return e.getMessage();
        } finally {
            try {
                HostTrees.delete(files.root());
            } catch (IOException e) {
                LOG.debugf("Cannot remove the volume probe [cause: %s]", e.getMessage());
            }
        }
    }

    private static boolean attached(String image) throws IOException {
        try (DirectoryStream<Path> devices = Files.newDirectoryStream(Path.of("/sys/block"), "loop*")) {
            for (Path device : devices) {
                String backing;
                try {
                    backing = Files.readString(device.resolve("loop/backing_file"), StandardCharsets.UTF_8).strip();
                } catch (NoSuchFileException e) {
                    continue; // a loop device with nothing attached
                }
                if (backing.equals(image) || backing.equals(image + " (deleted)")) {
                    return true;
                }
            }
        }
        return false;
    }
}
