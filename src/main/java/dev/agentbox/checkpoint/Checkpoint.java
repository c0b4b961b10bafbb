package dev.agentbox.checkpoint;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import dev.agentbox.conversation.ConversationKey;

/**
 * A stored checkpoint: a named, immutable archive of (part of) a workspace, and what is known about it.
 *
 * @param name the name, unique per principal
 * @param principal who owns it
 * @param conversation the key of the conversation it was made in
 * @param paths the workspace paths it holds, relative to the workspace; empty when it holds the whole workspace
 * @param sizeBytes the archive's size
 * @param sha256 the archive's SHA-256, hex; checked before every restore
 * @param createdAt when it was made
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Checkpoint(String name, String principal, String conversation, List<String> paths, long sizeBytes,
        String sha256, Instant createdAt) {

    public Checkpoint {
        paths = paths == null ? List.of() : List.copyOf(paths);
    }

    /**
     * @return the conversation it was made in
     */
    public ConversationKey source() {
        return new ConversationKey(principal, conversation);
    }

    /**
     * @return whether it holds the whole workspace rather than chosen paths
     */
    public boolean isWholeWorkspace() {
        return paths.isEmpty();
    }
}
