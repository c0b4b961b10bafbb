package dev.agentbox.conversation;

/**
 * Decides whether a conversation without a sandbox may get one (per-principal quotas). {@link Conversations} asks it
 * before it starts a sandbox for a conversation that has none; replacing a dead sandbox is never refused.
 */
public interface SandboxAdmission {

    /**
     * @param conversation the conversation that needs a sandbox
     * @param running how many sandboxes the conversation's principal holds now (running or being created)
     * @throws dev.agentbox.toolcall.ToolFailure when the principal may not have another sandbox
     */
    void admit(ConversationKey conversation, int running);
}
