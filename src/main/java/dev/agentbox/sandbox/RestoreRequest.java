package dev.agentbox.sandbox;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What {@link SandboxProvider#restore} puts into a conversation's workspace.
 *
 * @param archive a file of the server holding an archive in the format {@link Sandbox#archive} writes, already
 *        verified by the caller; the backend only reads it
 * @param paths the workspace paths replaced, relative and normalized like {@link ArchiveRequest#paths()}: each is
 *        removed from the workspace and what the archive holds at and below it is extracted in its place, the rest of
 *        the workspace is kept. Empty: the whole workspace becomes exactly the archive's content
 * @param timeout how long the restore may take
 */
public record RestoreRequest(Path archive, List<String> paths, Duration timeout) {

    public RestoreRequest {
        Objects.requireNonNull(archive, "archive");
        paths = List.copyOf(paths);
        Objects.requireNonNull(timeout, "timeout");
    }
}
