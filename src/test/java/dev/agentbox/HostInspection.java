package dev.agentbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Looks at the host from the test's side: which processes run as a user, which processes are in a namespace, which
 * cgroups exist. Used to prove that a stopped sandbox left nothing behind.
 */
public final class HostInspection {

    public static final Path CGROUPS = Path.of("/sys/fs/cgroup");
    /** The test run's id (see pom.xml): it names the cgroup parent and the runtime directory of the tests. */
    public static final String TEST_ID = System.getProperty("agentbox.test.id", "test");
    public static final String CGROUP_PARENT = "agentbox-" + TEST_ID;
    public static final String RUNTIME_DIR = "/dev/shm/agentbox-" + TEST_ID;

    private HostInspection() {
    }

    /** @return pids of live (not zombie) processes whose real uid is {@code uid} */
    public static List<Long> processesOfUser(long uid) {
        return processes().filter(pid -> uid == uidOf(pid)).toList();
    }

    /** @return pids of processes in the namespace, given as {@code readlink /proc/self/ns/<kind>} printed it */
    public static List<Long> processesInNamespace(String kind, String namespace) {
        return processes().filter(pid -> {
            try {
                return Files.readSymbolicLink(Path.of("/proc", pid.toString(), "ns", kind)).toString()
                        .equals(namespace);
            } catch (IOException e) {
                return false;
            }
        }).toList();
    }

    /** @return the cgroup directories of any controller whose name starts with the prefix */
    public static List<Path> cgroupsStartingWith(String prefix) {
        return Stream.of("memory", "pids", "cpu", "cpuacct", "freezer")
                .map(c -> CGROUPS.resolve(c).resolve(CGROUP_PARENT)).filter(Files::isDirectory).flatMap(dir -> {
                    try (Stream<Path> list = Files.list(dir)) {
                        return list.filter(p -> p.getFileName().toString().startsWith(prefix)).toList().stream();
                    } catch (IOException e) {
                        return Stream.empty();
                    }
                }).toList();
    }

    /** @return the process's command line with spaces between arguments, or empty when it is gone */
    public static String commandLine(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"))).replace('\0', ' ')
                    .trim();
        } catch (IOException e) {
            return "";
        }
    }

    /** @return how many file descriptors this JVM has open */
    public static long openFileDescriptors() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Stream<Long> processes() {
        try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
            return entries.map(p -> p.getFileName().toString()).filter(n -> n.chars().allMatch(Character::isDigit))
                    .map(Long::valueOf).filter(HostInspection::isLive).toList().stream();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean isLive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static long uidOf(long pid) {
        try {
            return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                    .filter(l -> l.startsWith("Uid:")).map(l -> Long.parseLong(l.split("\\s+")[1])).findFirst()
                    .orElse(-1L);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
