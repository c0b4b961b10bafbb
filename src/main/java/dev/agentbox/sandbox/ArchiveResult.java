package dev.agentbox.sandbox;

import java.util.List;

/**
 * An archive {@link Sandbox#archive} wrote.
 *
 * @param bytes the archive's size
 * @param warnings what the archiver reported without failing, for example files that changed while they were read
 *        (the archive holds them as they were at some moment during the read); at most a few lines
 */
public record ArchiveResult(long bytes, List<String> warnings) {

    public ArchiveResult {
        warnings = List.copyOf(warnings);
    }
}
