package dev.agentbox.jobs;

import dev.agentbox.conversation.ConversationKey;

/**
 * Decides whether a conversation may start another job (per-principal quotas), and is told when it ends.
 */
public interface JobAdmission {

    /**
     * @param conversation the conversation starting a job
     * @return what to run once the job has ended (or failed to start); never {@code null}
     * @throws dev.agentbox.toolcall.ToolFailure when the principal runs as many jobs as it may
     */
    Runnable admit(ConversationKey conversation);
}
