package dev.agentbox.conversation;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import dev.agentbox.toolcall.ToolParam;
import dev.agentbox.toolcall.ToolResult;
import dev.agentbox.toolcall.ToolSet;
import dev.agentbox.toolcall.ToolSpec;

/**
 * The {@code delete_conversation} tool.
 */
@ApplicationScoped
public class ConversationTools implements ToolSet {

    private final Conversations conversations;

    ConversationTools(Conversations conversations) {
        this.conversations = conversations;
    }

    /**
     * What {@code delete_conversation} did.
     *
     * @param conversation the conversation deleted
     * @param workspaceDeleted whether its workspace and home directory went too
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Deleted(String conversation, boolean workspaceDeleted) implements ToolResult {

        @Override
        public String text() {
            return "Conversation " + conversation + " deleted: its sandbox was stopped and its job records and shell "
                    + "state removed; " + (workspaceDeleted ? "its workspace and home directory are gone too."
                            : "its /workspace and home directory stay for the next call with this handle.")
                    + "\n";
        }
    }

    @Override
    public int order() {
        return 95;
    }

    @Override
    public List<ToolSpec> tools() {
        return List.of(new ToolSpec("delete_conversation", "Delete this conversation", """
                Ends this conversation explicitly: stops its sandbox (every process in it is killed) and removes \
                its job records and shell state. With workspace: true it also deletes /workspace and the home \
                directory, and a later call with the same handle starts from an empty workspace; without it the \
                files stay for that call. Checkpoints are kept either way (delete_checkpoint removes them). Idle \
                sandboxes stop by themselves and their workspaces stay, so this is only needed to free space or to \
                start afresh.""",
                List.of(ToolParam.optional("workspace", Boolean.class, "Also delete /workspace and the home "
                        + "directory; default false.")),
                false, (call, args) -> {
                    boolean workspace = args.flag("workspace", false);
                    return conversations.delete(call.conversation(), workspace)
                            .map(ignored -> new Deleted(call.conversation().key(), workspace));
                }));
    }
}
