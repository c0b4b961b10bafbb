package dev.agentbox.toolcall;

import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;

import dev.agentbox.conversation.ConversationKey;

/**
 * One tool call as the service layer sees it: whose conversation it runs in, and the two ways the caller can take
 * part while it runs (progress it wants to hear about, a cancellation it may ask for). Surfaces without either pass
 * {@link #of(ConversationKey)}.
 */
public final class CallContext {

    private final ConversationKey conversation;
    private final BiConsumer<Double, String> progress;
    private final BooleanSupplier cancelled;

    /**
     * @param progress receives (progress so far, message) when the caller asked for progress, else {@code null}
     * @param cancelled tells whether the caller cancelled the call
     */
    public CallContext(ConversationKey conversation, BiConsumer<Double, String> progress, BooleanSupplier cancelled) {
        this.conversation = conversation;
        this.progress = progress;
        this.cancelled = cancelled;
    }

    /**
     * @return a call that wants no progress and cannot be cancelled
     */
    public static CallContext of(ConversationKey conversation) {
        return new CallContext(conversation, null, () -> false);
    }

    public ConversationKey conversation() {
        return conversation;
    }

    /**
     * @return whether the caller listens to progress
     */
    public boolean wantsProgress() {
        return progress != null;
    }

    /**
     * Reports progress; does nothing when the caller does not listen.
     *
     * @param value progress so far, increasing with every report
     * @param message what is going on, in one short line
     */
    public void progress(double value, String message) {
        if (progress != null) {
            progress.accept(value, message);
        }
    }

    /**
     * @return whether the caller has asked to cancel the call
     */
    public boolean isCancelled() {
        return cancelled.getAsBoolean();
    }
}
