package dev.agentbox.fork;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import dev.agentbox.conversation.ConversationPolicy;
import dev.agentbox.toolcall.ToolResult;

/**
 * What {@code fork} returns: the child's conversation handle and how to use it.
 *
 * @param conversation the child's conversation key: the handle a sub-agent passes to work in the fork
 * @param parent the conversation it was forked from
 * @param header the HTTP header that carries the handle
 * @param metaKey the MCP {@code _meta} key that carries it, for clients that cannot set headers
 * @param depth how deep the fork is (1 for a fork of a conversation that is no fork)
 * @param policy what the fork's sandbox may use
 * @param copiedBytes the size of the workspace copy it started with (as an archive)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ForkResult(String conversation, String parent, String header, String metaKey, int depth,
        ConversationPolicy policy, long copiedBytes) implements ToolResult {

    @Override
    public String text() {
        return "Forked conversation: " + conversation + "\n"
                + "A sub-agent works in it by sending the header '" + header + ": " + conversation + "' (or the MCP "
                + "_meta key " + metaKey + "). It starts with a copy of this /workspace; its changes never touch this "
                + "one. To read its results back: persist a checkpoint in the fork, then list_checkpoints and restore "
                + "it here (restore with paths to take only some of them).\n"
                + "Its limits: memory " + (policy.memoryBytes() >> 20) + " MiB, " + policy.pids() + " processes, "
                + policy.cpuMillis() / 1000.0 + " CPUs, network " + policy.egress() + "; fork depth " + depth
                + ".\n";
    }
}
