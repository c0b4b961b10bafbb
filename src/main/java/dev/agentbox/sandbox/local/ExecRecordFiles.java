package dev.agentbox.sandbox.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

import org.jboss.logging.Logger;

/**
 * Where an exec's record is: on the runtime tmpfs while the exec runs, then moved to the conversation's durable
 * directory. The move copies, renames into place and only then deletes the original, so a reader that misses the
 * running copy always finds the moved one.
 *
 * @param running the record directory on the runtime tmpfs
 * @param archived the record directory in the state directory
 */
record ExecRecordFiles(Path running, Path archived) {

    private static final Logger LOG = Logger.getLogger(ExecRecordFiles.class);

    /** Something read from a record file. */
    @FunctionalInterface
    interface Reader<T> {
        T read(Path file) throws IOException;
    }

    /**
     * Reads a file of the record wherever it is now.
     *
     * @throws NoSuchFileException when neither copy has it
     */
    <T> T read(String name, Reader<T> reader) throws IOException {
        try {
            return reader.read(running.resolve(name));
        } catch (NoSuchFileException e) {
            return reader.read(archived.resolve(name));
        }
    }

    /** @return the directory that holds the record now */
    Path current() {
        return Files.isDirectory(running) ? running : archived;
    }

    boolean isArchived() {
        return !Files.isDirectory(running) && Files.isDirectory(archived);
    }

    /** Moves the record from the runtime tmpfs to the state directory. */
    void archive() {
        Path staging = archived.resolveSibling("." + archived.getFileName() + ".moving");
        try (Stream<Path> files = Files.list(running)) {
            Files.createDirectories(staging);
            for (Path file : files.toList()) {
                Files.copy(file, staging.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING,
                        StandardCopyOption.COPY_ATTRIBUTES);
            }
            Files.move(staging, archived, StandardCopyOption.ATOMIC_MOVE);
            deleteTree(running);
        } catch (NoSuchFileException e) {
            LOG.debugf("Exec record moved or removed meanwhile [record: %s]", running);
        } catch (IOException e) {
            LOG.warnf("Exec record not moved to the state directory [record: %s, cause: %s]", running, e.getMessage());
            deleteTree(staging);
        }
    }

    /** Removes both copies. */
    void delete() {
        deleteTree(running);
        deleteTree(archived);
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.deleteIfExists(file);
            }
            Files.deleteIfExists(dir);
        } catch (NoSuchFileException e) {
            // already gone
        } catch (IOException e) {
            LOG.debugf("Exec record not removed [record: %s, cause: %s]", dir, e.getMessage());
        }
    }
}
