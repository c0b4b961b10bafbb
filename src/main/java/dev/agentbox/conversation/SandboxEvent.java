package dev.agentbox.conversation;

import java.time.Duration;

/**
 * A change in a conversation's sandbox, fired as a CDI event by {@link Conversations} (audit and metrics observe it).
 *
 * @param kind what happened
 * @param conversation whose sandbox it is
 * @param sandboxId the sandbox, or {@code null} when none could be created
 * @param reason why (a sentence), or {@code null}
 * @param took how long creating the sandbox took, or {@code null}
 */
public record SandboxEvent(Kind kind, ConversationKey conversation, String sandboxId, String reason, Duration took) {

    /** What happened to the sandbox. */
    public enum Kind {
        /** A sandbox was started for the conversation (or an earlier server's one was found and taken). */
        CREATED,
        /** A sandbox of an earlier server process was taken over at start-up. */
        ADOPTED,
        /** The sandbox's init died; the next call gets a new sandbox. */
        REPLACED,
        /** The sandbox was stopped (idle, too old, deleted, the server stopped). */
        STOPPED,
        /** No sandbox could be created. */
        FAILED
    }
}
