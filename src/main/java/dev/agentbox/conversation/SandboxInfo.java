package dev.agentbox.conversation;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import dev.agentbox.egress.EgressPolicy;
import dev.agentbox.sandbox.Isolation;
import dev.agentbox.toolcall.ToolResult;

/**
 * What {@code sandbox_info} returns: which conversation this is, where its commands run, and the isolation and
 * limits that actually hold.
 *
 * @param conversation the conversation key as the client gave it (or derived from the MCP session)
 * @param conversationId the stable id derived from principal and key
 * @param principal who owns the conversation
 * @param backend the sandbox backend
 * @param sandboxId the running sandbox's id
 * @param workspace the workspace directory inside the sandbox
 * @param isolation the isolation measured on this host
 * @param memoryBytes the memory limit for all processes together
 * @param pids the process and thread limit
 * @param cpus the CPU limit in cores
 * @param egress the sandbox's egress profile: {@code none} means no network beyond the sandbox's own loopback
 * @param egressRules the rules of that profile, as the sandbox got them when it was created
 * @param idleTimeoutSeconds how long the sandbox lives without calls (the workspace stays)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record SandboxInfo(String conversation, String conversationId, String principal, String backend,
        String sandboxId, String workspace, Isolation isolation, long memoryBytes, int pids, double cpus,
        String egress, EgressPolicy.Rules egressRules, long idleTimeoutSeconds) implements ToolResult {

    @Override
    public String text() {
        return "Conversation: " + conversation + " (id " + conversationId + ", principal " + principal + ")\n"
                + "Sandbox: " + sandboxId + " on the " + backend + " backend; workspace " + workspace + "\n"
                + "Isolation: " + isolation.summary() + "\n"
                + "Limits: memory " + (memoryBytes >> 20) + " MiB, " + pids + " processes, " + cpus + " CPUs\n"
                + "Network: " + network() + "\n"
                + "The sandbox stops after " + idleTimeoutSeconds + " s without calls; the workspace stays.\n";
    }

    private String network() {
        if (egressRules.domains().isEmpty() && egressRules.cidrs().isEmpty()) {
            return "none (egress profile '" + egress + "': loopback only)";
        }
        StringBuilder text = new StringBuilder("egress profile '" + egress + "'");
        if (!egressRules.domains().isEmpty()) {
            text.append("; domains ").append(String.join(", ", egressRules.domains()));
        }
        if (!egressRules.cidrs().isEmpty()) {
            text.append("; addresses ").append(String.join(", ", egressRules.cidrs()));
        }
        return text.append("; through the HTTP proxy in HTTP_PROXY/HTTPS_PROXY; every other connection is refused "
                + "(EGRESS_BLOCKED)").toString();
    }
}
