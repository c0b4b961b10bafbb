package dev.agentbox.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The checkpoint store in a directory of this machine, readable by the server only:
 *
 * <pre>
 * &lt;dir&gt;/principals/&lt;hash of principal&gt;/&lt;name&gt;/archive.tar       the archive
 * &lt;dir&gt;/principals/&lt;hash of principal&gt;/&lt;name&gt;/checkpoint.json   its record
 * &lt;dir&gt;/principals/&lt;hash of principal&gt;/.draft-&lt;random&gt;/         a draft (removed at start-up)
 * &lt;dir&gt;/forks/&lt;conversation id&gt;.json                             a fork record
 * </pre>
 *
 * A checkpoint appears by renaming its complete draft directory to its name, after its files and the directory are
 * flushed to disk, so it is there whole or not at all.
 */
@ApplicationScoped
public class LocalCheckpointStore implements CheckpointStore {

    private static final Logger LOG = Logger.getLogger(LocalCheckpointStore.class);
    private static final String ARCHIVE = "archive.tar";
    private static final String RECORD = "checkpoint.json";
    private static final String DRAFT_PREFIX = ".draft-";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final CheckpointConfig config;
    private final ObjectMapper json;
    private volatile Path principals;
    private volatile Path forks;

    LocalCheckpointStore(CheckpointConfig config, ObjectMapper json) {
        this.config = config;
        this.json = json;
    }

    @Override
    public String name() {
        return "local";
    }

    @Override
    public void start() {
        Path dir = config.local().dir().toAbsolutePath().normalize();
        try {
            principals = privateDirectory(dir.resolve("principals"));
            forks = privateDirectory(dir.resolve("forks"));
        } catch (IOException e) {
            throw unavailable("The checkpoint store at " + dir + " cannot be used: " + e.getMessage(), e);
        }
        // A store that cannot be written now can still be read: restores keep working.
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            int drafts = 0;
            for (Path principal : children(principals)) {
                for (Path entry : children(principal)) {
                    if (entry.getFileName().toString().startsWith(DRAFT_PREFIX)) {
                        deleteTree(entry);
                        drafts++;
                    }
                }
            }
            if (drafts > 0) {
                LOG.infof("Unfinished checkpoints of an earlier server removed [count: %d]", drafts);
            }
        } catch (IOException e) {
            LOG.warnf("The checkpoint store cannot be tidied up [dir: %s, cause: %s]", dir, e.getMessage());
        }
    }

    @Override
    public Draft draft(String principal) {
        String handle = DRAFT_PREFIX + random();
        try {
            Path dir = privateDirectory(principalDir(principal)).resolve(handle);
            Files.createDirectory(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            return new Draft(principal, dir.resolve(ARCHIVE), handle);
        } catch (IOException e) {
            throw storeFailure("A checkpoint cannot be started", e);
        }
    }

    @Override
    public Checkpoint commit(Draft draft, String name, String conversation, List<String> paths, Instant createdAt) {
        Path dir = draft.archive().getParent();
        Path target = principalDir(draft.principal()).resolve(name);
        try {
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                throw new CheckpointStoreException(CheckpointStoreException.Kind.EXISTS,
                        "A checkpoint named '" + name + "' exists already.", null);
            }
            force(draft.archive());
            long size = Files.size(draft.archive());
            Checkpoint checkpoint = new Checkpoint(name, draft.principal(), conversation, paths, size,
                    sha256(draft.archive()), createdAt);
            Path record = dir.resolve(RECORD);
            Files.write(record, json.writeValueAsBytes(checkpoint), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE);
            force(record);
            force(dir);
            // No REPLACE_EXISTING: a directory of that name, made by a racing commit, makes this fail.
            Files.move(dir, target, StandardCopyOption.ATOMIC_MOVE);
            force(target.getParent());
            return checkpoint;
        } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
            throw new CheckpointStoreException(CheckpointStoreException.Kind.EXISTS,
                    "A checkpoint named '" + name + "' exists already.", e);
        } catch (IOException e) {
            throw storeFailure("The checkpoint could not be stored", e);
        } finally {
            discard(draft);
        }
    }

    @Override
    public void discard(Draft draft) {
        Path dir = principalDir(draft.principal()).resolve(draft.handle());
        try {
            deleteTree(dir);
        } catch (IOException e) {
            LOG.warnf("Cannot remove a checkpoint draft [dir: %s, cause: %s]", dir, e.getMessage());
        }
    }

    @Override
    public List<Checkpoint> list(String principal) {
        List<Checkpoint> found = new ArrayList<>();
        try {
            for (Path dir : children(principalDir(principal))) {
                if (dir.getFileName().toString().startsWith(DRAFT_PREFIX)) {
                    continue;
                }
                read(dir).ifPresent(found::add);
            }
        } catch (IOException e) {
            throw unavailable("The checkpoint store cannot be read: " + e.getMessage(), e);
        }
        found.sort(Comparator.comparing(Checkpoint::createdAt).thenComparing(Checkpoint::name).reversed());
        return found;
    }

    @Override
    public List<String> principals() {
        List<String> found = new ArrayList<>();
        try {
            for (Path dir : children(principals)) {
                try (Stream<Path> entries = Files.list(dir)) {
                    entries.filter(e -> !e.getFileName().toString().startsWith(DRAFT_PREFIX)).map(this::read)
                            .flatMap(Optional::stream).findFirst().ifPresent(c -> found.add(c.principal()));
                }
            }
        } catch (IOException e) {
            throw unavailable("The checkpoint store cannot be read: " + e.getMessage(), e);
        }
        return found;
    }

    @Override
    public Optional<Checkpoint> find(String principal, String name) {
        Path dir = principalDir(principal).resolve(name);
        return Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) ? read(dir) : Optional.empty();
    }

    @Override
    public Path verified(Checkpoint checkpoint) {
        Path archive = principalDir(checkpoint.principal()).resolve(checkpoint.name()).resolve(ARCHIVE);
        try {
            long size = Files.size(archive);
            if (size != checkpoint.sizeBytes()) {
                throw corrupted(checkpoint, "its archive has " + size + " bytes where " + checkpoint.sizeBytes()
                        + " were stored");
            }
            String actual = sha256(archive);
            if (!actual.equals(checkpoint.sha256())) {
                throw corrupted(checkpoint, "its archive's SHA-256 is " + actual + " where " + checkpoint.sha256()
                        + " was stored");
            }
            return archive;
        } catch (NoSuchFileException e) {
            throw corrupted(checkpoint, "its archive is missing");
        } catch (IOException e) {
            throw corrupted(checkpoint, "its archive cannot be read (" + e.getMessage() + ")");
        }
    }

    @Override
    public void delete(Checkpoint checkpoint) {
        Path dir = principalDir(checkpoint.principal()).resolve(checkpoint.name());
        // Renamed away first, so that the name is free and never half there while the tree goes.
        Path doomed = dir.resolveSibling(DRAFT_PREFIX + "deleted-" + random());
        try {
            Files.move(dir, doomed, StandardCopyOption.ATOMIC_MOVE);
            deleteTree(doomed);
        } catch (NoSuchFileException e) {
            // gone already
        } catch (IOException e) {
            throw storeFailure("The checkpoint '" + checkpoint.name() + "' could not be deleted", e);
        }
    }

    @Override
    public void saveFork(ForkRecord fork) {
        Path file = forks.resolve(fork.key().id() + ".json");
        Path temp = forks.resolve(fork.key().id() + ".json.tmp-" + random());
        try {
            Files.write(temp, json.writeValueAsBytes(fork), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            force(temp);
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            force(forks);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // what is left is ignored when fork records are read
            }
            throw storeFailure("The fork could not be recorded", e);
        }
    }

    @Override
    public List<ForkRecord> forks() {
        List<ForkRecord> found = new ArrayList<>();
        try {
            for (Path file : children(forks)) {
                if (!file.getFileName().toString().endsWith(".json")) {
                    Files.deleteIfExists(file);
                    continue;
                }
                try {
                    found.add(json.readValue(Files.readAllBytes(file), ForkRecord.class));
                } catch (IOException e) {
                    LOG.warnf("Unreadable fork record skipped [file: %s, cause: %s]", file, e.getMessage());
                }
            }
        } catch (IOException e) {
            throw unavailable("The fork records cannot be read: " + e.getMessage(), e);
        }
        return found;
    }

    private Optional<Checkpoint> read(Path dir) {
        Path record = dir.resolve(RECORD);
        try {
            return Optional.of(json.readValue(Files.readAllBytes(record), Checkpoint.class));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            LOG.warnf("Unreadable checkpoint record skipped [file: %s, cause: %s]", record, e.getMessage());
            return Optional.empty();
        }
    }

    /** Principals are names of arbitrary characters (OIDC subjects); their directories are named by a hash. */
    private Path principalDir(String principal) {
        return principals.resolve(sha256Hex(principal.getBytes(StandardCharsets.UTF_8)).substring(0, 32));
    }

    private static Path privateDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
        return dir;
    }

    private static List<Path> children(Path dir) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.toList();
        }
    }

    /** The store's own files: no sandbox writes here, so a plain walk that never follows links is enough. */
    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    private static void force(Path path) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    static String sha256(Path file) throws IOException {
        MessageDigest digest = digest();
        byte[] buffer = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static String sha256Hex(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    private static String random() {
        byte[] bytes = new byte[8];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static CheckpointStoreException corrupted(Checkpoint checkpoint, String why) {
        return new CheckpointStoreException(CheckpointStoreException.Kind.CORRUPTED,
                "The checkpoint '" + checkpoint.name() + "' is damaged and was not restored: " + why + ".", null);
    }

    private static CheckpointStoreException unavailable(String message, Throwable cause) {
        return new CheckpointStoreException(CheckpointStoreException.Kind.UNAVAILABLE, message, cause);
    }

    /** Tells a full store from one that cannot be written at all. */
    private static CheckpointStoreException storeFailure(String what, IOException e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (message.contains("No space left on device") || message.contains("Disk quota exceeded")) {
            return new CheckpointStoreException(CheckpointStoreException.Kind.FULL,
                    what + ": the checkpoint store has no space left.", e);
        }
        return unavailable(what + ": the checkpoint store cannot be written (" + message + ").", e);
    }
}
