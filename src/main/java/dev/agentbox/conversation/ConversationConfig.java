package dev.agentbox.conversation;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * How a call names its conversation.
 */
@ConfigMapping(prefix = "agentbox.conversation")
public interface ConversationConfig {

    /**
     * The HTTP request header that carries the conversation key, on MCP and REST alike. It wins over every other
     * source.
     */
    @WithDefault("Agentbox-Conversation")
    String header();

    /**
     * The key in an MCP request's {@code _meta} that carries the conversation key, used when the header is absent.
     * Without either, an MCP call belongs to the conversation of its MCP session.
     */
    @WithDefault("dev.agentbox/conversation")
    String metaKey();

    /**
     * The longest conversation key accepted, in characters. Keys use letters, digits and {@code . _ : -}.
     */
    @WithDefault("128")
    int maxKeyLength();
}
