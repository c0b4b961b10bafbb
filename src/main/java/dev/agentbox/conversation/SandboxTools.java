package dev.agentbox.conversation;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import dev.agentbox.toolcall.ToolSet;
import dev.agentbox.toolcall.ToolSpec;

/**
 * The {@code sandbox_info} tool.
 */
@ApplicationScoped
public class SandboxTools implements ToolSet {

    private final Conversations conversations;

    SandboxTools(Conversations conversations) {
        this.conversations = conversations;
    }

    @Override
    public int order() {
        return 90;
    }

    @Override
    public List<ToolSpec> tools() {
        return List.of(new ToolSpec("sandbox_info", "Describe the sandbox", """
                Describes this conversation's sandbox: the conversation handle and its owner, the backend, the \
                isolation actually achieved on this host (namespaces, user, capabilities, seccomp, limits), the \
                memory, process and CPU limits, the network policy and when an idle sandbox is stopped. Starts the \
                sandbox if it is not running.""", List.of(), true,
                (call, args) -> conversations.info(call.conversation())));
    }
}
