package dev.agentbox.sandbox.local;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

import com.fasterxml.jackson.databind.ObjectMapper;

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
     */
    Optional<ExitRecord> read(Path recordDir) throws IOException {
        try {
            return Optional.of(json.readValue(recordDir.resolve("exit").toFile(), ExitRecord.class));
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            return Optional.empty();
        }
    }
}
