package dev.agentbox.sandbox.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.jboss.logging.Logger;

import dev.agentbox.sandbox.SandboxSpec;

/**
 * The cgroup v1 controllers the local backend uses, below one parent cgroup of its own in each: memory, pids and cpu
 * for limits, cpuacct for accounting, freezer to stop a whole process tree before killing it.
 * <p>
 * Note: cgroup v2 hosts are not supported yet; there the backend runs without limits and says so.
 */
final class Cgroups {

    private static final Logger LOG = Logger.getLogger(Cgroups.class);

    static final List<String> CONTROLLERS = List.of("memory", "pids", "cpu", "cpuacct", "freezer");
    private static final long CPU_PERIOD_MICROS = 100_000;

    private final Path root;
    private final String parent;

    Cgroups(Path root, String parent) {
        this.root = root;
        this.parent = parent;
    }

    /**
     * Makes the parent cgroup in every controller.
     *
     * @return {@code null} when all controllers can be used, else why not
     */
    String prepare() {
        for (String controller : CONTROLLERS) {
            Path dir = root.resolve(controller);
            if (!Files.isDirectory(dir) || !Files.exists(dir.resolve("cgroup.procs"))) {
                return "cgroup v1 controller '" + controller + "' is not mounted at " + dir;
            }
            try {
                Files.createDirectories(dir.resolve(parent));
            } catch (IOException e) {
                return "cannot create cgroup " + dir.resolve(parent) + ": " + e.getMessage();
            }
        }
        return null;
    }

    /**
     * Removes the cgroups of sandboxes that have no process left, for example after the host or the server crashed.
     * Cgroups that still hold processes belong to live sandboxes, which a restarted server adopts.
     *
     * @return how many sandboxes' cgroups were removed
     */
    int removeStale() {
        Path freezerParent = root.resolve("freezer").resolve(parent);
        List<String> stale = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(freezerParent)) {
            for (Path dir : dirs.filter(Files::isDirectory).toList()) {
                List<Path> all = new ArrayList<>(descendants(dir));
                all.add(dir);
                if (all.stream().allMatch(c -> pids(c).isEmpty())) {
                    stale.add(dir.getFileName().toString());
                }
            }
        } catch (IOException e) {
            LOG.debugf("Cannot list sandbox cgroups [dir: %s, cause: %s]", freezerParent, e.getMessage());
        }
        for (String sandboxId : stale) {
            sandbox(sandboxId).remove();
        }
        return stale.size();
    }

    /**
     * @return the cgroups of a sandbox (made by {@link Sandbox#create}, or found again after a restart)
     */
    Sandbox sandbox(String sandboxId) {
        Map<String, Path> dirs = new LinkedHashMap<>();
        for (String controller : CONTROLLERS) {
            dirs.put(controller, root.resolve(controller).resolve(parent).resolve(sandboxId));
        }
        return new Sandbox(dirs);
    }

    /**
     * One sandbox's cgroups: a directory per controller, plus a freezer child per exec.
     */
    static final class Sandbox {

        private final Map<String, Path> dirs;

        private Sandbox(Map<String, Path> dirs) {
            this.dirs = dirs;
        }

        /** Makes the directories and writes the limits. */
        void create(SandboxSpec.Limits limits) throws IOException {
            for (Path dir : dirs.values()) {
                Files.createDirectories(dir);
            }
            write(dirs.get("memory").resolve("memory.limit_in_bytes"), Long.toString(limits.memoryBytes()));
            write(dirs.get("pids").resolve("pids.max"), Integer.toString(limits.pids()));
            write(dirs.get("cpu").resolve("cpu.cfs_period_us"), Long.toString(CPU_PERIOD_MICROS));
            write(dirs.get("cpu").resolve("cpu.cfs_quota_us"),
                    Long.toString(CPU_PERIOD_MICROS * limits.cpuMillis() / 1000));
        }

        /** @return the directories an init joins: one per controller */
        List<Path> all() {
            return List.copyOf(dirs.values());
        }

        /** @return the directories an exec joins besides its own freezer cgroup */
        List<Path> limits() {
            return dirs.entrySet().stream().filter(e -> !e.getKey().equals("freezer")).map(Map.Entry::getValue)
                    .toList();
        }

        /** @return the freezer cgroup of one exec, through which its whole process tree is killed */
        Path execCgroup(String execId) {
            return dirs.get("freezer").resolve(execId);
        }

        Path oomFile() {
            return dirs.get("memory").resolve("memory.oom_control");
        }

        Path pidsEventsFile() {
            return dirs.get("pids").resolve("pids.events");
        }

        /** @return how many processes the sandbox has now */
        long processCount() {
            return readLong(dirs.get("pids").resolve("pids.current"));
        }

        /**
         * Kills every process in the sandbox: freezes the tree so nothing can fork meanwhile, sends SIGKILL to each
         * process, thaws, and repeats until the cgroups are empty.
         */
        void killAll() {
            killTree(dirs.get("freezer"));
        }

        /** Removes every directory, the exec children first. Directories that still hold processes are left. */
        void remove() {
            for (Path dir : dirs.values()) {
                for (Path child : descendants(dir)) {
                    deleteQuietly(child);
                }
                deleteQuietly(dir);
            }
        }

        /**
         * Kills the exec with the most processes, so that a sandbox at its process limit can run commands again. The
         * sandbox's init is not in any exec's cgroup and survives.
         */
        void killLargestExecTree() {
            descendants(dirs.get("freezer")).stream().max((a, b) -> Integer.compare(pids(a).size(), pids(b).size()))
                    .ifPresent(largest -> {
                        LOG.warnf("Sandbox at its process limit, killing its largest process tree [cgroup: %s]",
                                largest);
                        killTree(largest);
                    });
        }

        /** Removes the freezer cgroups of execs that have no process left. */
        void removeEmptyExecCgroups() {
            for (Path child : descendants(dirs.get("freezer"))) {
                if (pids(child).isEmpty()) {
                    deleteQuietly(child);
                }
            }
        }
    }

    /**
     * Kills every process in a freezer cgroup and its children; used for a sandbox and for one exec's tree.
     */
    static void killTree(Path freezerDir) {
        if (!Files.isDirectory(freezerDir)) {
            return;
        }
        for (int round = 0; round < 50; round++) {
            List<Path> cgroups = new ArrayList<>(descendants(freezerDir));
            cgroups.add(freezerDir);
            List<Long> pids = cgroups.stream().flatMap(c -> pids(c).stream()).toList();
            if (pids.isEmpty()) {
                return;
            }
            Path state = freezerDir.resolve("freezer.state");
            writeQuietly(state, "FROZEN");
            awaitFrozen(state);
            for (long pid : pids) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
            writeQuietly(state, "THAWED");
            sleep(round < 5 ? 5 : 50);
        }
        LOG.warnf("Processes survived repeated kills [cgroup: %s]", freezerDir);
    }

    private static void awaitFrozen(Path state) {
        for (int i = 0; i < 100; i++) {
            try {
                if (Files.readString(state).trim().equals("FROZEN")) {
                    return;
                }
            } catch (IOException e) {
                return;
            }
            sleep(10);
        }
    }

    static List<Long> pids(Path cgroup) {
        try {
            return Files.readAllLines(cgroup.resolve("cgroup.procs")).stream().filter(l -> !l.isBlank())
                    .map(Long::parseLong).toList();
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            LOG.debugf(e, "Cannot read cgroup.procs [cgroup: %s]", cgroup);
            return List.of();
        }
    }

    /** @return the child cgroups below a directory, deepest first */
    private static List<Path> descendants(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            List<Path> all = new ArrayList<>(walk.filter(Files::isDirectory).filter(p -> !p.equals(dir)).toList());
            all.sort((a, b) -> b.getNameCount() - a.getNameCount());
            return all;
        } catch (IOException e) {
            return List.of();
        }
    }

    private static long readLong(Path file) {
        try {
            return Long.parseLong(Files.readString(file).trim());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    private static void write(Path file, String value) throws IOException {
        Files.writeString(file, value, StandardCharsets.US_ASCII);
    }

    private static void writeQuietly(Path file, String value) {
        try {
            write(file, value);
        } catch (IOException e) {
            LOG.debugf(e, "Cannot write cgroup file [file: %s]", file);
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            LOG.debugf("Cgroup not removed yet [dir: %s, cause: %s]", dir, e.getMessage());
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
