package dev.agentbox.sandbox.local;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * What the local backend writes down about a running sandbox, so that a restarted server can find it again.
 *
 * @param id the sandbox id (also its cgroup name)
 * @param pid the host pid of the outer bubblewrap process
 * @param nsPid the host pid of the sandbox's pid 1, whose namespaces execs join
 * @param nsStartTime the start time of {@code nsPid}, to tell it from a reused pid
 * @param uid the host user id commands run as
 * @param cgroups whether the sandbox has cgroups (limits and tree kills)
 * @param createdAt when the sandbox started
 * @param execSocket the socket of the sandbox's exec server, or {@code null} when it has none
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record SandboxRecord(String id, long pid, long nsPid, long nsStartTime, int uid, boolean cgroups, Instant createdAt,
        String execSocket) {
}
