package dev.agentbox.sandbox.local;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import dev.agentbox.egress.EgressPolicy;
import dev.agentbox.egress.local.NetworkAttachment;

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
 * @param egress the egress rules it was created with, or {@code null} for none (also in records of older servers)
 * @param network its veth pair, or {@code null} when it has no network
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record SandboxRecord(String id, long pid, long nsPid, long nsStartTime, int uid, boolean cgroups, Instant createdAt,
        String execSocket, EgressPolicy.Rules egress, NetworkAttachment network) {

    /**
     * @return the egress rules, {@link EgressPolicy#NONE} when the record has none
     */
    EgressPolicy egressPolicy() {
        return egress == null ? EgressPolicy.NONE : egress.toPolicy();
    }

    SandboxRecord withNetwork(EgressPolicy policy, NetworkAttachment attachment) {
        return new SandboxRecord(id, pid, nsPid, nsStartTime, uid, cgroups, createdAt, execSocket, policy.rules(),
                attachment);
    }
}
