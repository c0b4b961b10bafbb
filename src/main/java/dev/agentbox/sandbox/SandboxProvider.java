package dev.agentbox.sandbox;

import io.smallrye.mutiny.Uni;

/**
 * A backend that provides sandboxes: the embedded local backend, or Kubernetes. Exactly one is active, chosen by
 * configuration.
 */
public interface SandboxProvider {

    /**
     * @return the backend's name as configured and reported ({@code local}, {@code kubernetes})
     */
    String name();

    /**
     * Prepares the backend and measures what it can enforce on this host. Called once, at start-up, on the selected
     * backend only. A backend that cannot serve says why through {@link #unavailableReason()} instead of throwing.
     *
     * @param limits the limits sandboxes will get, for a probe sandbox
     */
    void start(SandboxSpec.Limits limits);

    /**
     * @return the isolation this backend achieves here, as measured when it started
     */
    Isolation isolation();

    /**
     * @return {@code null} when sandboxes can be provided, else why not, in one sentence
     */
    String unavailableReason();

    /**
     * Provides the conversation's sandbox: one that survived from an earlier server process when it is still alive,
     * else a new one on the conversation's existing workspace.
     *
     * @param spec the conversation and its limits
     * @return the running sandbox; fails with {@link SandboxException} when none can be provided
     */
    Uni<Sandbox> open(SandboxSpec spec);

    /**
     * Finds the sandboxes that outlived the previous server process. Called once, after {@link #start}; sandboxes
     * found dead meanwhile are cleaned up, not returned.
     *
     * @return the live sandboxes with their conversations
     */
    java.util.List<SurvivingSandbox> survivors();

    /**
     * @return every conversation the backend keeps anything of (a workspace, records), running or not
     */
    default java.util.List<dev.agentbox.conversation.ConversationKey> conversations() {
        return java.util.List.of();
    }

    /**
     * Removes what the backend keeps of a conversation whose sandbox has been stopped: its workspace, home directory
     * and records. Backends that keep nothing do nothing.
     *
     * @param conversation the conversation
     * @throws SandboxException when it cannot be removed
     */
    default void delete(dev.agentbox.conversation.ConversationKey conversation) {
    }
}
