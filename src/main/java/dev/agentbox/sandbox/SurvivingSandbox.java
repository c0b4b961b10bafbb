package dev.agentbox.sandbox;

import dev.agentbox.conversation.ConversationKey;

/**
 * A sandbox that was still running when the server started, found through what its backend recorded.
 *
 * @param conversation the conversation it belongs to
 * @param sandbox the running sandbox
 */
public record SurvivingSandbox(ConversationKey conversation, Sandbox sandbox) {
}
