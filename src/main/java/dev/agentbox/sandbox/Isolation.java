package dev.agentbox.sandbox;

import java.util.List;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * The isolation a backend actually achieves on this host, as measured, never as configured.
 *
 * @param level the summary: {@code FULL} when every protection below holds
 * @param namespaces the namespaces each sandbox gets of its own (pid, mount, ipc, uts, cgroup, net)
 * @param readOnlySystem whether the system directories are mounted read-only
 * @param privateTmp whether each sandbox has a temporary directory of its own
 * @param ownUid whether each conversation runs as a user id of its own, never root
 * @param noCapabilities whether commands run with an empty capability set
 * @param noNewPrivileges whether commands run with no_new_privs
 * @param seccomp whether a seccomp filter blocks kernel interfaces sandboxes do not need
 * @param limits the cgroup limits enforced (memory, pids, cpu)
 * @param network what network a sandbox has ({@code none}: loopback only)
 * @param missing what is not enforced and why, in plain words; empty when the level is {@code FULL}
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Isolation(Level level, List<String> namespaces, boolean readOnlySystem, boolean privateTmp,
        boolean ownUid, boolean noCapabilities, boolean noNewPrivileges, boolean seccomp, List<String> limits,
        String network, List<String> missing) {

    /** How much of the designed isolation holds. */
    public enum Level {
        /** Every protection of the design holds. */
        FULL,
        /** Commands are isolated but some protections or limits are missing (see {@link Isolation#missing()}). */
        PARTIAL,
        /** Commands run without isolation. */
        NONE
    }

    /**
     * @return a one-line summary for logs and health checks
     */
    public String summary() {
        String base = level + " (namespaces: " + String.join(",", namespaces) + "; limits: "
                + (limits.isEmpty() ? "none" : String.join(",", limits)) + "; seccomp: " + seccomp + "; network: "
                + network + ")";
        return missing.isEmpty() ? base : base + "; missing: " + String.join("; ", missing);
    }
}
