package dev.agentbox.conversation;

import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import dev.agentbox.toolcall.ToolFailure;

/**
 * Decides which conversation a call belongs to. The rule lives here for both surfaces: an explicit key from the
 * request header wins, then a key from the MCP request's {@code _meta}, and last the MCP session id. A key is scoped to
 * its principal.
 */
@ApplicationScoped
public class ConversationKeys {

    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]*");

    private final ConversationConfig config;
    /** What the transport allows in a session id (visible ASCII), bounded like a key. */
    private final Pattern sessionIds;

    ConversationKeys(ConversationConfig config) {
        this.config = config;
        this.sessionIds = Pattern.compile("[\\x21-\\x7e]{1," + config.maxKeyLength() + "}");
    }

    /**
     * @param principal the caller
     * @param header the value of the conversation header, or {@code null}
     * @param meta the conversation key from {@code _meta}, or {@code null}
     * @param sessionId the MCP session id the client sent (or its connection's), or {@code null} (REST has none)
     * @return the conversation of this call
     * @throws ToolFailure {@code INVALID_ARGUMENT} when a given key is malformed or no source names a conversation
     */
    public ConversationKey resolve(String principal, String header, String meta, String sessionId) {
        if (header != null) {
            return new ConversationKey(principal, validate(header, "header " + config.header()));
        }
        if (meta != null) {
            return new ConversationKey(principal, validate(meta, "_meta key " + config.metaKey()));
        }
        if (sessionId != null) {
            // Session ids live in a namespace of their own, so that a conversation key can never name a session's
            // conversation: only a client that holds the session id reaches it.
            if (!sessionIds.matcher(sessionId).matches()) {
                throw ToolFailure.invalid("The Mcp-Session-Id header '" + printable(sessionId) + "' is not a session id"
                        + " (1 to " + config.maxKeyLength() + " visible ASCII characters): initialize a new session,"
                        + " or name the conversation with the header " + config.header() + ".");
            }
            return new ConversationKey(principal, "mcp-session/" + sessionId);
        }
        throw ToolFailure.invalid("This call names no conversation and has no MCP session (Mcp-Session-Id), so "
                + "nothing it did could be found again. Send the header " + config.header() + " with a key such as "
                + "'my-task-1' (or the _meta key " + config.metaKey() + "), or initialize an MCP session first.");
    }

    private String validate(String key, String source) {
        if (key.length() > config.maxKeyLength()) {
            throw ToolFailure.invalid("Conversation key from " + source + " is " + key.length()
                    + " characters long; the limit is " + config.maxKeyLength() + ".");
        }
        if (!KEY.matcher(key).matches()) {
            throw ToolFailure.invalid("Conversation key '" + printable(key) + "' from " + source
                    + " has characters other than letters, digits and . _ : - (or is empty).");
        }
        return key;
    }

    private static String printable(String key) {
        StringBuilder out = new StringBuilder();
        key.codePoints().limit(40).forEach(c -> {
            if (c >= 0x20 && c < 0x7f) {
                out.appendCodePoint(c);
            } else {
                out.append(String.format("\\u%04x", c));
            }
        });
        return key.length() > 40 ? out + "..." : out.toString();
    }
}
