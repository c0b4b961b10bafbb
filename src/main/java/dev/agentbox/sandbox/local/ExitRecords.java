package dev.agentbox.sandbox.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.agentbox.sandbox.records.ExitRecord;

/**
 * Reads the {@code exit} files of exec records.
 */
final class ExitRecords {

    private final ObjectMapper json;

    ExitRecords(ObjectMapper json) {
        this.json = json;
    }

    /**
     * @return the exit record of an exec, or empty while the exec runs (or when its helper died before writing it)
     * @throws NoSuchFileException when the record directory itself is gone (moved or discarded)
     */
    Optional<ExitRecord> read(Path recordDir) throws IOException {
        Path exit = recordDir.resolve("exit");
        try {
            return Optional.of(json.readValue(Files.readAllBytes(exit), ExitRecord.class));
        } catch (NoSuchFileException e) {
            if (!Files.isDirectory(recordDir)) {
                throw e;
            }
            return Optional.empty();
        }
    }
}
