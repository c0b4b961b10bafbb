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
    private final String egressProfile;

    /**
     * @param progress receives (progress so far, message) when the caller asked for progress, else {@code null}
     * @param cancelled tells whether the caller cancelled the call
     */
    public CallContext(ConversationKey conversation, BiConsumer<Double, String> progress, BooleanSupplier cancelled) {
        this(conversation, progress, cancelled, null);
    }

    /**
     * @param progress receives (progress so far, message) when the caller asked for progress, else {@code null}
     * @param cancelled tells whether the caller cancelled the call
     * @param egressProfile the egress profile the call names for its conversation's sandbox, or {@code null}
     */
    public CallContext(ConversationKey conversation, BiConsumer<Double, String> progress, BooleanSupplier cancelled,
            String egressProfile) {
        this.conversation = conversation;
        this.progress = progress;
        this.cancelled = cancelled;
        this.egressProfile = egressProfile;
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
     * @return the egress profile the call names, or {@code null} when it names none
     */
    public String egressProfile() {
        return egressProfile;
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
