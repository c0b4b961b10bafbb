package dev.agentbox.sandbox;

import dev.agentbox.conversation.ConversationKey;
import dev.agentbox.egress.EgressPolicy;

/**
 * What a backend needs to provide a conversation's sandbox.
 *
 * @param conversation the conversation the sandbox belongs to
 * @param limits the resources the sandbox may use
 * @param egress what network the sandbox may reach, fixed for its life
 */
public record SandboxSpec(ConversationKey conversation, Limits limits, EgressPolicy egress) {

    /** A sandbox without network. */
    public SandboxSpec(ConversationKey conversation, Limits limits) {
        this(conversation, limits, EgressPolicy.NONE);
    }

    /**
     * Resource limits of one sandbox.
     *
     * @param memoryBytes memory for all its processes together, tmpfs included
     * @param pids how many processes and threads may exist at once
     * @param cpuMillis CPU time per second of wall time, in thousandths of a core (1000 = one core)
     * @param openFiles open files per process
     * @param fileSizeBytes the largest file a process may write
     */
    public record Limits(long memoryBytes, int pids, int cpuMillis, int openFiles, long fileSizeBytes) {
    }
}
