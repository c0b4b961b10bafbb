package dev.agentbox.checkpoint;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import dev.agentbox.toolcall.ToolResult;

/**
 * What the checkpoint tools return.
 */
public final class CheckpointResults {

    private CheckpointResults() {
    }

    /**
     * A checkpoint as listings show it.
     *
     * @param name its name
     * @param conversation the conversation it was made in
     * @param paths the workspace paths it holds; empty for the whole workspace
     * @param sizeBytes the stored archive's size
     * @param sha256 the archive's checksum
     * @param createdAt when it was made
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Entry(String name, String conversation, List<String> paths, long sizeBytes, String sha256,
            Instant createdAt) {

        static Entry of(Checkpoint checkpoint) {
            return new Entry(checkpoint.name(), checkpoint.conversation(), checkpoint.paths(),
                    checkpoint.sizeBytes(), checkpoint.sha256(), checkpoint.createdAt());
        }

        String line() {
            return name + "  " + human(sizeBytes) + "  " + createdAt + "  from " + conversation + "  "
                    + (paths.isEmpty() ? "whole workspace" : String.join(", ", paths));
        }
    }

    /**
     * What {@code persist} made.
     *
     * @param checkpoint the new checkpoint
     * @param warnings what the archiver reported without failing (files that changed while read)
     * @param deleted older checkpoints deleted by retention to keep the count and age limits
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Saved(Entry checkpoint, List<String> warnings, List<String> deleted) implements ToolResult {

        @Override
        public String text() {
            StringBuilder text = new StringBuilder("Checkpoint saved: ").append(checkpoint.line()).append('\n')
                    .append("SHA-256 ").append(checkpoint.sha256()).append('\n');
            warnings.forEach(w -> text.append("Warning: ").append(w).append('\n'));
            if (!deleted.isEmpty()) {
                text.append("Deleted by retention: ").append(String.join(", ", deleted)).append('\n');
            }
            return text.toString();
        }
    }

    /**
     * What {@code list_checkpoints} shows.
     *
     * @param checkpoints the checkpoints the caller may restore, newest first
     * @param usedBytes what all the principal's checkpoints take together
     * @param maxTotalBytes the principal's quota
     * @param maxCount how many checkpoints a principal keeps
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Listing(List<Entry> checkpoints, long usedBytes, long maxTotalBytes, int maxCount)
            implements
                ToolResult {

        @Override
        public String text() {
            StringBuilder text = new StringBuilder();
            if (checkpoints.isEmpty()) {
                text.append("No checkpoints yet; persist makes one.\n");
            }
            checkpoints.forEach(c -> text.append(c.line()).append('\n'));
            return text.append("Quota: ").append(human(usedBytes)).append(" of ").append(human(maxTotalBytes))
                    .append(" used; the newest ").append(maxCount).append(" checkpoints are kept.\n").toString();
        }
    }

    /**
     * What {@code restore} did.
     *
     * @param checkpoint the checkpoint restored
     * @param conversation the conversation whose workspace it went into
     * @param paths the workspace paths replaced; empty when the whole workspace was
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Restored(Entry checkpoint, String conversation, List<String> paths) implements ToolResult {

        @Override
        public String text() {
            return "Restored checkpoint " + checkpoint.name() + " into /workspace of " + conversation + ": "
                    + (paths.isEmpty() ? "the whole workspace was replaced" : "replaced " + String.join(", ", paths))
                    + ". The sandbox was restarted: earlier processes and /tmp are gone.\n";
        }
    }

    /**
     * What {@code delete_checkpoint} did.
     *
     * @param name the checkpoint deleted
     * @param freedBytes the space it took
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Deleted(String name, long freedBytes) implements ToolResult {

        @Override
        public String text() {
            return "Checkpoint " + name + " deleted (" + human(freedBytes) + " freed).\n";
        }
    }

    static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        if (bytes < 1024 * 1024) {
            return String.format("%.1f KiB", bytes / 1024.0);
        }
        if (bytes < 1024L * 1024 * 1024) {
            return String.format("%.1f MiB", bytes / (1024.0 * 1024));
        }
        return String.format("%.2f GiB", bytes / (1024.0 * 1024 * 1024));
    }
}
