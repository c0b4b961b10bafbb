package dev.agentbox.toolcall;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import dev.agentbox.conversation.ConversationKey;

/**
 * One tool call as it ended, for those who keep account of calls (audit, metrics).
 *
 * @param tool the tool's name
 * @param principal who called
 * @param conversation the conversation, or {@code null} when the call named none that could be used
 * @param sandboxId the conversation's sandbox after the call, or {@code null}
 * @param arguments the arguments as the caller sent them
 * @param outcome how the call ended, or {@code null} when it failed unexpectedly (see {@code internalError})
 * @param internalError what went wrong when the call failed unexpectedly, else {@code null}
 * @param startedAt when the call started
 * @param duration how long it took
 * @param surface {@code mcp} or {@code rest}
 * @param remote the caller's address, or {@code null}
 */
public record ToolCallRecord(String tool, String principal, ConversationKey conversation, String sandboxId,
        Map<String, ?> arguments, ToolOutcome outcome, String internalError, Instant startedAt, Duration duration,
        String surface, String remote) {

    /**
     * @return the reason code of a failed call, {@code INTERNAL_ERROR} for an unexpected failure, or {@code null}
     */
    public String reason() {
        if (outcome == null) {
            return "INTERNAL_ERROR";
        }
        return outcome.isError() ? outcome.failure().reason().name() : null;
    }

    /**
     * @return {@code ok} or {@code error}
     */
    public String result() {
        return outcome != null && !outcome.isError() ? "ok" : "error";
    }
}
