package dev.agentbox.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads processes from /proc: resident memory, children, uids.
 */
final class Procs {

    private Procs() {
    }

    /** @return VmRSS of a process in bytes, 0 when it is gone */
    static long rss(long pid) {
        try {
            return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                    .filter(l -> l.startsWith("VmRSS:")).mapToLong(l -> Long.parseLong(l.replaceAll("\\D", "")) * 1024)
                    .findFirst().orElse(0);
        } catch (IOException e) {
            return 0;
        }
    }

    /** @return the pids of every process whose real uid is in [from, to) */
    static List<Long> ofUids(long from, long to) throws IOException {
        try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
            return entries.map(p -> p.getFileName().toString()).filter(n -> n.chars().allMatch(Character::isDigit))
                    .map(Long::valueOf).filter(pid -> {
                        long uid = uid(pid);
                        return uid >= from && uid < to;
                    }).toList();
        }
    }

    private static long uid(long pid) {
        try {
            return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                    .filter(l -> l.startsWith("Uid:")).map(l -> Long.parseLong(l.split("\\s+")[1])).findFirst()
                    .orElse(-1L);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** @return the sum of the resident memory of the processes in a cgroup v1 directory and its children */
    static long cgroupRss(Path cgroup) throws IOException {
        long total = 0;
        try (Stream<Path> dirs = Files.walk(cgroup)) {
            for (Path dir : dirs.filter(Files::isDirectory).toList()) {
                for (String line : Files.readAllLines(dir.resolve("cgroup.procs"))) {
                    if (!line.isBlank()) {
                        total += rss(Long.parseLong(line.trim()));
                    }
                }
            }
        }
        return total;
    }
}
