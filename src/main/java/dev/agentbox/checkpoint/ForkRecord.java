package dev.agentbox.checkpoint;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import dev.agentbox.conversation.ConversationKey;
import dev.agentbox.conversation.ConversationPolicy;

/**
 * That a conversation is a fork of another: which one, how deep, and the policy it was given. Kept by the checkpoint
 * store, since it decides which checkpoints the fork may see.
 *
 * @param principal who owns both conversations
 * @param conversation the fork's key
 * @param parent the key of the conversation it was forked from
 * @param depth 1 for a fork of a conversation that is no fork, 2 for a fork of that, and so on
 * @param policy what the fork's sandboxes may use: never more than the parent's
 * @param createdAt when it was made
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ForkRecord(String principal, String conversation, String parent, int depth, ConversationPolicy policy,
        Instant createdAt) {

    public ConversationKey key() {
        return new ConversationKey(principal, conversation);
    }

    public ConversationKey parentKey() {
        return new ConversationKey(principal, parent);
    }
}
