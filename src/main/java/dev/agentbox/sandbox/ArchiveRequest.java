package dev.agentbox.sandbox;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What {@link Sandbox#archive} writes: a tar archive of workspace paths, into a file of the server.
 *
 * @param paths paths relative to the workspace, already checked by the caller to be normalized and to stay inside it
 *        (no leading {@code /}, no {@code ..}, none below another); empty for the whole workspace
 * @param target the file the archive goes to; it must not exist yet: the backend creates it, never through a symlink,
 *        and leaves it (possibly incomplete) to the caller when the archive fails
 * @param maxBytes the largest archive allowed; past it the archive fails with
 *        {@link WorkspaceTransferException.Kind#TOO_LARGE}
 * @param timeout how long the archiving may take
 */
public record ArchiveRequest(List<String> paths, Path target, long maxBytes, Duration timeout) {

    public ArchiveRequest {
        paths = List.copyOf(paths);
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(timeout, "timeout");
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be positive");
        }
    }
}
