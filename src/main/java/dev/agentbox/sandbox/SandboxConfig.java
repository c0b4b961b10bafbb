package dev.agentbox.sandbox;

import java.time.Duration;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Sandboxes in general: which backend provides them, how long they live, and the resources each may use. The same
 * model applies to every backend.
 */
@ConfigMapping(prefix = "agentbox.sandbox")
public interface SandboxConfig {

    /**
     * The backend that provides sandboxes: {@code local} (namespaces and cgroups on this machine) or
     * {@code kubernetes}.
     */
    @WithDefault("local")
    String backend();

    /**
     * How long a sandbox may stay without a call and without a running job before it is stopped. Its workspace and
     * job records stay; the next call starts a new sandbox on them.
     */
    @WithDefault("15M")
    Duration idleTimeout();

    /**
     * The longest a sandbox may live, busy or not. At that age it is stopped (running jobs included) and the next call
     * starts a new one on the same workspace.
     */
    @WithDefault("24H")
    Duration maxLifetime();

    /**
     * How often idle sandboxes are looked for.
     */
    @WithDefault("30S")
    Duration reapInterval();

    /**
     * Whether sandboxes keep running when the server stops, so that a restarted server finds them, their background
     * processes and jobs again. With {@code false} every sandbox is stopped on shutdown (workspaces stay).
     */
    @WithDefault("true")
    boolean keepOnShutdown();

    /**
     * Whether sandboxes found running when the server starts are taken over (and then stopped when idle, like any
     * other) or stopped at once. Workspaces stay either way.
     */
    @WithDefault("true")
    boolean adoptSurvivors();

    /**
     * Resource limits of each sandbox.
     */
    LimitsConfig limits();

    /**
     * Resource limits of each sandbox.
     */
    interface LimitsConfig {

        /**
         * Memory for all processes of a sandbox together, its temporary directory included. Past it the kernel kills
         * the largest process of the sandbox ({@code OOM_KILLED}).
         */
        @WithDefault("1G")
        MemorySize memory();

        /**
         * How many processes and threads a sandbox may have at once ({@code PIDS_EXHAUSTED} past it).
         */
        @WithDefault("512")
        int pids();

        /**
         * CPU a sandbox may use, in cores (for example {@code 0.5} or {@code 2}).
         */
        @WithDefault("1")
        double cpus();

        /**
         * Open files per process.
         */
        @WithDefault("4096")
        int openFiles();

        /**
         * The largest file a process may write.
         */
        @WithDefault("4G")
        MemorySize maxFileSize();
    }

    /**
     * @return the configured limits as the SPI carries them
     */
    default SandboxSpec.Limits toLimits() {
        LimitsConfig l = limits();
        return new SandboxSpec.Limits(l.memory().asLongValue(), l.pids(), (int) Math.round(l.cpus() * 1000),
                l.openFiles(), l.maxFileSize().asLongValue());
    }
}
