package dev.agentbox.conversation;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import dev.agentbox.egress.EgressPolicy;
import dev.agentbox.sandbox.SandboxSpec;

/**
 * What a conversation's sandboxes may use. Every conversation has the server's default policy unless one was recorded
 * for it (a fork gets its parent's, or a narrower one). Stored as JSON with the fork records; fields added later must
 * default to the server's setting when an older record lacks them.
 *
 * @param memoryBytes memory for all processes of a sandbox together
 * @param pids processes and threads at once
 * @param cpuMillis CPU in thousandths of a core
 * @param openFiles open files per process
 * @param fileSizeBytes the largest file a process may write
 * @param egress the egress profile its sandboxes start with (see {@code agentbox.egress.profiles})
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ConversationPolicy(long memoryBytes, int pids, int cpuMillis, int openFiles, long fileSizeBytes,
        String egress) {

    /** The egress profile of a sandbox with no network but its own loopback. */
    public static final String NO_EGRESS = EgressPolicy.NONE.profile();

    /**
     * @return the policy that gives sandboxes exactly these limits and that egress profile
     */
    public static ConversationPolicy of(SandboxSpec.Limits limits, String egress) {
        return new ConversationPolicy(limits.memoryBytes(), limits.pids(), limits.cpuMillis(), limits.openFiles(),
                limits.fileSizeBytes(), egress);
    }

    /**
     * @return this policy with another egress profile
     */
    public ConversationPolicy withEgress(String profile) {
        return new ConversationPolicy(memoryBytes, pids, cpuMillis, openFiles, fileSizeBytes, profile);
    }

    /**
     * @return the limits as the sandbox SPI carries them
     */
    public SandboxSpec.Limits limits() {
        return new SandboxSpec.Limits(memoryBytes, pids, cpuMillis, openFiles, fileSizeBytes);
    }

    /**
     * @return what this policy allows beyond {@code other}, one phrase each; empty when it is no wider
     */
    public List<String> widerThan(ConversationPolicy other) {
        List<String> wider = new ArrayList<>();
        if (memoryBytes > other.memoryBytes) {
            wider.add("memory " + (memoryBytes >> 20) + " MiB > " + (other.memoryBytes >> 20) + " MiB");
        }
        if (pids > other.pids) {
            wider.add("processes " + pids + " > " + other.pids);
        }
        if (cpuMillis > other.cpuMillis) {
            wider.add("CPU " + cpuMillis / 1000.0 + " > " + other.cpuMillis / 1000.0 + " cores");
        }
        if (openFiles > other.openFiles) {
            wider.add("open files " + openFiles + " > " + other.openFiles);
        }
        if (fileSizeBytes > other.fileSizeBytes) {
            wider.add("file size " + fileSizeBytes + " > " + other.fileSizeBytes + " bytes");
        }
        if (!egress.equals(other.egress) && !NO_EGRESS.equals(egress)) {
            wider.add("network '" + egress + "' instead of '" + other.egress + "'");
        }
        return wider;
    }
}
