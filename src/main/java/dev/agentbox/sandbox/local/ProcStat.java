package dev.agentbox.sandbox.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a process's start time from {@code /proc/<pid>/stat}, so that a recorded pid is only trusted while it still
 * names the same process (pids are reused).
 */
final class ProcStat {

    private ProcStat() {
    }

    /** The kernel's flag for a task that has begun to exit (include/linux/sched.h). */
    private static final long PF_EXITING = 0x4;

    /**
     * @return the start time in clock ticks since boot (field 22), or -1 when the process does not exist or has
     *         begun to exit (a zombie waiting for its parent, or a namespace's init still tearing its namespace down,
     *         counts as exited)
     */
    static long startTime(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The command name (field 2) may contain spaces and parentheses; fields after it are plain.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            boolean exited = fields[0].equals("Z") || fields[0].equals("X")
                    || (Long.parseLong(fields[6]) & PF_EXITING) != 0;
            return exited ? -1 : Long.parseLong(fields[19]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * @return whether the process runs and started at the recorded time
     */
    static boolean isSame(long pid, long startTime) {
        return pid > 0 && startTime >= 0 && startTime(pid) == startTime;
    }

    /**
     * @return whether a process with this pid runs (not counting zombies)
     */
    static boolean isRunning(long pid) {
        return startTime(pid) >= 0;
    }
}
