package dev.agentbox.sandbox;

import dev.agentbox.conversation.ConversationKey;
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
    default java.util.List<ConversationKey> conversations() {
        return java.util.List.of();
    }

    /**
     * Replaces workspace paths of a conversation with the content of an archive, atomically: when it fails, or the
     * server dies while it runs, the workspace is exactly as it was; when it succeeds, the whole change appears at
     * once. The conversation must have no running sandbox (the caller stops it first and starts none until this
     * completes), since a running sandbox keeps seeing the workspace it started on. A conversation that does not exist
     * yet is created with an empty workspace first.
     * <p>
     * Extraction runs as the conversation's user in a place that sees nothing but the new workspace (and, for a
     * partial restore, the old one read-only), so a hostile archive cannot write outside it; restored files belong to
     * the conversation's user and keep their permissions (without setuid and setgid) and their symlinks.
     * <p>
     * A backend without this ability fails with {@link WorkspaceTransferException.Kind#UNSUPPORTED}.
     *
     * @param spec the conversation and the limits the extraction runs under
     * @param request the archive and the paths it replaces
     * @return completes when the new workspace is in place; fails with {@link WorkspaceTransferException} or
     *         {@link SandboxException}
     */
    default Uni<Void> restore(SandboxSpec spec, RestoreRequest request) {
        return Uni.createFrom().failure(new WorkspaceTransferException(WorkspaceTransferException.Kind.UNSUPPORTED,
                "This sandbox backend cannot restore workspaces."));
    }

    /**
     * Deletes what the backend keeps of a conversation: its job records, its shell state and its runtime files, and,
     * with {@code workspace}, its workspace, its home directory and every other trace of it (a later call with the
     * same key starts from nothing). The conversation must have no running sandbox (the caller stops it first).
     * Deleting a conversation that does not exist does nothing.
     *
     * @param conversation the conversation
     * @param workspace whether its files go too
     * @return completes when it is gone
     */
    default Uni<Void> delete(ConversationKey conversation, boolean workspace) {
        return Uni.createFrom().failure(new WorkspaceTransferException(WorkspaceTransferException.Kind.UNSUPPORTED,
                "This sandbox backend cannot delete conversations."));
    }
}
