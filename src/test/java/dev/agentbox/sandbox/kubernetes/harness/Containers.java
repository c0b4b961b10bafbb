package dev.agentbox.sandbox.kubernetes.harness;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;

/**
 * The harness's container runtime: each pod's container is a bubblewrap sandbox on this host, built from the pod spec.
 * The harness reads the spec the way a kubelet does: every volume mount becomes a bind mount (a claim is a directory
 * per claim name that outlives pods, an emptyDir a directory per pod), sub-paths included, missing sub-path
 * directories made root's as the kubelet makes them; the user is {@code runAsUser} (in a user namespace that maps it to
 * one unprivileged host uid); {@code hostname} and {@code workingDir} apply; the root file system is read-only. Each
 * container gets new pid, mount, ipc, uts and network namespaces (loopback only, like a pod under a deny-all
 * NetworkPolicy), and an exec joins them with {@code nsenter}, as {@code runc exec} does.
 * <p>
 * What it does not do: images. The container sees this host's {@code /usr} and {@code /etc} (read-only) instead of
 * the sandbox image, with the exec helper built by Maven at {@code /usr/local/bin/agentbox-exec}; the entrypoint is
 * bubblewrap's own init, not the image's. No gVisor, no cgroup limits.
 */
final class Containers {

    /** Directories that merged-/usr systems make symlinks into /usr. */
    private static final List<String> SYSTEM_DIRS = List.of("bin", "sbin", "lib", "lib32", "lib64", "libx32");

    private final Path root;
    private final int hostUid;
    private final Path helper;
    private final Map<String, Running> running = new ConcurrentHashMap<>();

    /** A started container: the bubblewrap process and the pid of its first child, whose namespaces execs join. */
    record Running(Process process, long nsPid, long runAsUser, Map<String, String> env) {
    }

    Containers(Path root, int hostUid, Path helper) throws IOException {
        this.root = root;
        this.hostUid = hostUid;
        this.helper = helper;
        deleteTree(root);
        Files.createDirectories(root.resolve("claims"));
        Files.createDirectories(root.resolve("pods"));
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /**
     * @return the directory standing for a claim's volume
     */
    Path claimDir(String claim) {
        return root.resolve("claims").resolve(claim);
    }

    /** Deletes a claim's volume, as the volume's provisioner does when the claim is deleted. */
    void deleteClaim(String claim) {
        deleteTree(claimDir(claim));
    }

    /**
     * Runs an init container to its end.
     *
     * @return its exit code
     */
    int runToEnd(Pod pod, Container container, long timeoutSeconds) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(bubblewrap(pod, container));
        command.addAll(container.getCommand());
        if (container.getArgs() != null) {
            command.addAll(container.getArgs());
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return 137;
        }
        return process.exitValue();
    }

    /** Starts a pod's container and returns once its init runs. */
    void start(Pod pod, Container container) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(bubblewrap(pod, container));
        command.addAll(List.of("/bin/sh", "-c", "echo ready; exec sleep infinity"));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
        String line = out.readLine();
        if (!"ready".equals(line)) {
            process.destroyForcibly();
            throw new IOException("the container of pod " + pod.getMetadata().getName() + " did not start");
        }
        long nsPid = firstChild(process.pid());
        running.put(pod.getMetadata().getUid(), new Running(process, nsPid, runAsUser(pod, container),
                environment(container)));
    }

    /**
     * @return the running container of a pod, or {@code null}
     */
    Running get(String podUid) {
        return running.get(podUid);
    }

    /**
     * @return the command that runs argv inside a pod's running container
     */
    List<String> execCommand(Running container, List<String> argv) {
        List<String> command = new ArrayList<>(List.of("nsenter", "-t", Long.toString(container.nsPid()), "-U", "-m",
                "-p", "-i", "-u", "-n", "-S", Long.toString(container.runAsUser()), "-G",
                Long.toString(container.runAsUser()), "-w", "-r", "--"));
        command.addAll(argv);
        return command;
    }

    /** Kills a pod's container, everything in it, and removes its emptyDir volumes. */
    void stop(String podUid) {
        Running container = running.remove(podUid);
        if (container != null) {
            // Killing the pid namespace's first process ends every process in it.
            ProcessHandle.of(container.nsPid()).ifPresent(ProcessHandle::destroyForcibly);
            container.process().destroyForcibly();
            try {
                container.process().waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        deleteTree(root.resolve("pods").resolve(podUid));
    }

    /** Stops every container. */
    void stopAll() {
        List.copyOf(running.keySet()).forEach(this::stop);
    }

    /**
     * @return the bubblewrap command line (up to {@code --}) for a container of a pod
     */
    private List<String> bubblewrap(Pod pod, Container container) throws IOException {
        long uid = runAsUser(pod, container);
        Path podDir = root.resolve("pods").resolve(pod.getMetadata().getUid());
        Files.createDirectories(podDir);
        Files.writeString(podDir.resolve("passwd"), "root:x:0:0:root:/root:/usr/sbin/nologin\nagent:x:" + uid + ":"
                + uid + ":agent:/home/agent:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
        Files.writeString(podDir.resolve("group"), "root:x:0:\nagent:x:" + uid + ":\nnogroup:x:65534:\n");
        List<String> args = new ArrayList<>(List.of("setpriv", "--reuid=" + hostUid, "--regid=" + hostUid,
                "--clear-groups", "bwrap", "--unshare-user", "--uid", Long.toString(uid), "--gid", Long.toString(uid),
                "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-net", "--die-with-parent",
                "--hostname", pod.getSpec().getHostname() == null ? pod.getMetadata().getName()
                        : pod.getSpec().getHostname(),
                "--ro-bind", "/usr", "/usr", "--tmpfs", "/usr/local", "--dir", "/usr/local/bin",
                "--ro-bind", helper.toString(), "/usr/local/bin/agentbox-exec"));
        for (String dir : SYSTEM_DIRS) {
            Path hostDir = Path.of("/", dir);
            if (Files.isSymbolicLink(hostDir)) {
                args.addAll(List.of("--symlink", Files.readSymbolicLink(hostDir).toString(), "/" + dir));
            } else if (Files.isDirectory(hostDir)) {
                args.addAll(List.of("--ro-bind", "/" + dir, "/" + dir));
            }
        }
        args.addAll(List.of("--ro-bind", "/etc", "/etc", "--ro-bind", podDir.resolve("passwd").toString(),
                "/etc/passwd", "--ro-bind", podDir.resolve("group").toString(), "/etc/group", "--proc", "/proc",
                "--dev", "/dev"));
        for (VolumeMount mount : container.getVolumeMounts()) {
            Path source = volumeDir(pod, mount);
            args.addAll(List.of(Boolean.TRUE.equals(mount.getReadOnly()) ? "--ro-bind" : "--bind", source.toString(),
                    mount.getMountPath()));
        }
        if (container.getWorkingDir() != null) {
            args.addAll(List.of("--chdir", container.getWorkingDir()));
        }
        args.addAll(List.of("--remount-ro", "/", "--"));
        return args;
    }

    /** Where a volume mount comes from on this host, made as the kubelet would make it. */
    private Path volumeDir(Pod pod, VolumeMount mount) throws IOException {
        Volume volume = pod.getSpec().getVolumes().stream().filter(v -> v.getName().equals(mount.getName()))
                .findFirst().orElseThrow(() -> new IOException("no volume " + mount.getName()));
        Path base;
        if (volume.getPersistentVolumeClaim() != null) {
            base = claimDir(volume.getPersistentVolumeClaim().getClaimName());
            if (!Files.exists(base)) {
                // A new volume: its root belongs to the pod's fsGroup, as the kubelet's ownership change leaves it.
                Files.createDirectories(base);
                chown(base, hostUid);
                Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxrwxr-x"));
            }
        } else if (volume.getEmptyDir() != null) {
            base = root.resolve("pods").resolve(pod.getMetadata().getUid()).resolve("volumes").resolve(volume.getName());
            if (!Files.exists(base)) {
                Files.createDirectories(base);
                Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxrwxrwx"));
            }
        } else {
            throw new IOException("the harness supports claims and emptyDir volumes only, not " + volume.getName());
        }
        if (mount.getSubPath() == null || mount.getSubPath().isEmpty()) {
            return base;
        }
        Path sub = base.resolve(mount.getSubPath()).normalize();
        if (!sub.startsWith(base)) {
            throw new IOException("sub-path " + mount.getSubPath() + " leaves its volume");
        }
        if (!Files.exists(sub)) {
            // The kubelet makes a missing sub-path directory as root, 0755: not writable by the pod's user.
            Files.createDirectories(sub);
        }
        return sub;
    }

    private static long runAsUser(Pod pod, Container container) {
        if (container.getSecurityContext() != null && container.getSecurityContext().getRunAsUser() != null) {
            return container.getSecurityContext().getRunAsUser();
        }
        if (pod.getSpec().getSecurityContext() != null && pod.getSpec().getSecurityContext().getRunAsUser() != null) {
            return pod.getSpec().getSecurityContext().getRunAsUser();
        }
        return 0;
    }

    private static Map<String, String> environment(Container container) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        if (container.getEnv() != null) {
            for (EnvVar var : container.getEnv()) {
                env.put(var.getName(), var.getValue() == null ? "" : var.getValue());
            }
        }
        return env;
    }

    private static long firstChild(long pid) throws IOException, InterruptedException {
        Path children = Path.of("/proc", Long.toString(pid), "task", Long.toString(pid), "children");
        for (int i = 0; i < 200; i++) {
            String text = Files.readString(children).trim();
            if (!text.isEmpty()) {
                return Long.parseLong(text.split(" ")[0]);
            }
            Thread.sleep(5);
        }
        throw new IOException("bubblewrap " + pid + " started no child");
    }

    private static void chown(Path path, int uid) throws IOException {
        Files.setAttribute(path, "unix:uid", uid);
        Files.setAttribute(path, "unix:gid", uid);
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            // best effort: a test run's leftovers under target/
        }
    }
}
