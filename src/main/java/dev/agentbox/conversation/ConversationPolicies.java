package dev.agentbox.conversation;

import java.util.Optional;

/**
 * Where policies recorded for single conversations come from (a fork's, for example). Conversations without a
 * recorded policy get the server's default. Looked up on every sandbox start, so implementations answer from memory.
 */
public interface ConversationPolicies {

    /**
     * @return the policy recorded for the conversation, or empty for the server's default
     */
    Optional<ConversationPolicy> recorded(ConversationKey conversation);
}
