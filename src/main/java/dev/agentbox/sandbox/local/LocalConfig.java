package dev.agentbox.sandbox.local;

import java.nio.file.Path;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * The local backend: sandboxes built from Linux namespaces and cgroups on this machine.
 */
@ConfigMapping(prefix = "agentbox.local")
public interface LocalConfig {

    /**
     * Where the backend keeps its state: every conversation's workspace, home directory, shell state and exec
     * records, the installed helper binary. It must not be inside any sandbox's view.
     */
    @WithDefault("/var/lib/agentbox")
    Path stateDir();

    /**
     * Fast storage (a tmpfs) for what sandboxes write on every call: the records of running execs and the shell's
     * saved working directory and variables. An exec's record moves to the state directory once the exec and the
     * processes it left behind have ended. It survives server restarts, not host reboots (which end the sandboxes
     * too).
     */
    @WithDefault("/dev/shm/agentbox")
    Path runtimeDir();

    /**
     * The root of the cgroup file systems (cgroup v1 controllers are expected below it, one directory each).
     */
    @WithDefault("/sys/fs/cgroup")
    Path cgroupRoot();

    /**
     * The cgroup, below each controller, under which sandbox cgroups are made. Give each server on a host its own.
     */
    @WithDefault("agentbox")
    String cgroupParent();

    /**
     * The first host user id handed to conversations. Each conversation gets one id of its own from
     * {@code uid-base} to {@code uid-base + uid-count - 1}; choose a range no host account or subordinate id range
     * uses.
     */
    @WithDefault("2000000")
    int uidBase();

    /**
     * How many user ids the backend may hand out; also the number of conversations it can hold.
     */
    @WithDefault("65536")
    int uidCount();

    /**
     * The bubblewrap program that builds each sandbox's namespaces and mounts.
     */
    @WithDefault("bwrap")
    String bwrap();

    /**
     * Size of each sandbox's private {@code /tmp} (it counts against the sandbox's memory limit).
     */
    @WithDefault("256M")
    MemorySize tmpSize();

    /**
     * The disk quota of each new conversation, {@code 0} for none: its workspace and home directory share a file
     * system of this size of their own (a sparse ext4 image, mounted only inside its sandboxes), so that filling it
     * answers {@code DISK_FULL} there and nowhere else; without it the workspaces share the state directory's disk.
     * Conversations made before it was set keep their plain directories; a volume keeps the size it was made with.
     */
    @WithDefault("10G")
    MemorySize workspaceQuota();

    /**
     * The least isolation under which commands may run. {@code FULL} (the default) refuses to run anything when a
     * protection is missing on this host; {@code PARTIAL} also accepts sandboxes whose cgroup limits (memory, pids,
     * CPU) cannot be enforced. Whatever is accepted, the isolation actually achieved is reported by
     * {@code sandbox_info}, health and the start-up log. Commands never run without namespaces and a user id of their
     * own.
     */
    @WithDefault("FULL")
    MinimumIsolation minimumIsolation();

    /**
     * How much isolation the local backend must achieve before it runs commands.
     */
    enum MinimumIsolation {
        FULL,
        PARTIAL
    }
}
