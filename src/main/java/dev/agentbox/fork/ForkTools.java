package dev.agentbox.fork;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import dev.agentbox.checkpoint.CheckpointConfig;
import dev.agentbox.conversation.ConversationConfig;
import dev.agentbox.toolcall.ToolParam;
import dev.agentbox.toolcall.ToolSet;
import dev.agentbox.toolcall.ToolSpec;

/**
 * The {@code fork} tool.
 */
@ApplicationScoped
public class ForkTools implements ToolSet {

    private final Forks forks;
    private final ForkConfig config;
    private final CheckpointConfig checkpoints;
    private final ConversationConfig conversations;

    ForkTools(Forks forks, ForkConfig config, CheckpointConfig checkpoints, ConversationConfig conversations) {
        this.forks = forks;
        this.config = config;
        this.checkpoints = checkpoints;
        this.conversations = conversations;
    }

    @Override
    public int order() {
        return 50;
    }

    @Override
    public List<ToolSpec> tools() {
        return List.of(new ToolSpec("fork", "Fork this conversation", """
                Creates a child conversation for a sub-agent, with its own sandbox and a copy of this /workspace as \
                it is now (at most %d MiB as an archive), and returns its handle: the sub-agent sends it in the \
                %s header (or the MCP _meta key %s). The fork's changes never touch this workspace. Its limits \
                are this conversation's, or narrower ones given here (never wider: FORBIDDEN). To read its results \
                back, persist a checkpoint in the fork, then list_checkpoints and restore it here; the fork sees \
                only its own checkpoints and its forks', never this conversation's. Forks nest %d deep at most, \
                %d per conversation. Note: the handle is a name, not a credential: it keeps cooperating agents \
                apart, not hostile ones holding the same credentials.""".formatted(
                checkpoints.maxSize().asLongValue() >> 20, conversations.header(), conversations.metaKey(),
                config.maxDepth(), config.maxChildren()),
                List.of(ToolParam.optional("memory_mib", Integer.class, "The fork's memory limit in MiB, at most "
                        + "this conversation's; default: the same."),
                        ToolParam.optional("pids", Integer.class, "The fork's process limit, at most this "
                                + "conversation's; default: the same.")),
                false,
                (call, args) -> forks.fork(call.conversation(), args.integer("memory_mib"), args.integer("pids"))));
    }
}
