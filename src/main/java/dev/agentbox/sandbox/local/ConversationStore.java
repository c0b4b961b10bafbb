package dev.agentbox.sandbox.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.BitSet;
import java.util.List;
import java.util.stream.Stream;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.agentbox.conversation.ConversationKey;

/**
 * The conversations the local backend knows, on disk: their directories and the host user id each runs as. A
 * conversation keeps its user id for its whole life, so its files stay its own across sandboxes and restarts.
 */
final class ConversationStore {

    private static final Logger LOG = Logger.getLogger(ConversationStore.class);

    private final Path conversationsDir;
    private final Path runtimeDir;
    private final int uidBase;
    private final int uidCount;
    private final long volumeBytes;
    private final ObjectMapper json;
    private final BitSet usedUids = new BitSet();

    /**
     * @param volumeBytes the size of each new conversation's volume (see {@link WorkspaceVolumes}), or 0 for plain
     *        directories
     */
    ConversationStore(Path stateDir, Path runtimeDir, int uidBase, int uidCount, long volumeBytes, ObjectMapper json)
            throws IOException {
        this.conversationsDir = stateDir.resolve("conversations");
        this.runtimeDir = runtimeDir.resolve("conversations");
        Files.createDirectories(this.runtimeDir);
        Files.setPosixFilePermissions(runtimeDir, PosixFilePermissions.fromString("rwx------"));
        this.uidBase = uidBase;
        this.uidCount = uidCount;
        this.volumeBytes = volumeBytes;
        this.json = json;
        Files.createDirectories(conversationsDir);
        Files.setPosixFilePermissions(conversationsDir, PosixFilePermissions.fromString("rwx--x--x"));
        loadUsedUids();
    }

    /**
     * What is recorded about a conversation.
     *
     * @param principal the owner
     * @param key the conversation key
     * @param uid the host user and group id its processes run as
     * @param createdAt when it was first used
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Meta(String principal, String key, int uid, Instant createdAt) {
    }

    ConversationFiles files(String conversationId) {
        return new ConversationFiles(conversationsDir.resolve(conversationId), runtimeDir.resolve(conversationId));
    }

    /**
     * Returns the conversation's record, creating its directories and allocating its user id on first use.
     */
    synchronized Meta open(ConversationKey key) throws IOException {
        ConversationFiles files = files(key.id());
        if (Files.exists(files.meta())) {
            return json.readValue(files.meta().toFile(), Meta.class);
        }
        int uid = allocateUid();
        Meta meta = new Meta(key.principal(), key.key(), uid, Instant.now());
        Files.createDirectories(files.root());
        Files.setPosixFilePermissions(files.root(), PosixFilePermissions.fromString("rwx------"));
        if (volumeBytes > 0) {
            WorkspaceVolumes.create(files, uid, volumeBytes);
        } else {
            for (Path owned : new Path[] { files.workspace(), files.home() }) {
                Files.createDirectories(owned);
                Files.setAttribute(owned, "unix:uid", uid);
                Files.setAttribute(owned, "unix:gid", uid);
            }
        }
        Files.createDirectories(files.execs());
        Files.createDirectories(files.sandbox());
        Path temp = files.root().resolve("conversation.json.tmp");
        json.writeValue(temp.toFile(), meta);
        Files.move(temp, files.meta(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        LOG.debugf("Conversation directory created [conversation: %s, uid: %d]", key.id(), uid);
        return meta;
    }

    /**
     * Makes the conversation's runtime directories, which a host reboot empties: the execs' and the shell's.
     */
    void prepareRuntime(ConversationFiles files, int uid) throws IOException {
        Files.createDirectories(files.runningExecs());
        Files.setPosixFilePermissions(files.runtime(), PosixFilePermissions.fromString("rwx------"));
        Files.createDirectories(files.shellState());
        Files.setAttribute(files.shellState(), "unix:uid", uid);
        Files.setAttribute(files.shellState(), "unix:gid", uid);
        Files.setPosixFilePermissions(files.shellState(), PosixFilePermissions.fromString("rwx------"));
    }

    /**
     * Removes a conversation's directories and frees its user id. Its sandbox must be gone: nothing of its user may
     * run any more, since the id goes to the next new conversation.
     *
     * @param meta its record, or {@code null} when it could not be read (the user id then stays taken)
     */
    synchronized void delete(ConversationFiles files, Meta meta) throws IOException {
        HostTrees.delete(files.runtime());
        HostTrees.delete(files.root());
        if (meta != null && meta.uid() >= uidBase && meta.uid() < uidBase + uidCount) {
            usedUids.clear(meta.uid() - uidBase);
        }
    }

    /**
     * @return every conversation directory with a record
     */
    List<ConversationFiles> all() throws java.io.UncheckedIOException {
        try (Stream<Path> dirs = Files.list(conversationsDir)) {
            return dirs.filter(d -> Files.exists(d.resolve("conversation.json")))
                    .map(d -> files(d.getFileName().toString())).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * @return the record of a conversation, or {@code null} when it cannot be read
     */
    Meta meta(ConversationFiles files) {
        try {
            return json.readValue(files.meta().toFile(), Meta.class);
        } catch (IOException e) {
            LOG.warnf("Unreadable conversation record skipped [file: %s, cause: %s]", files.meta(), e.getMessage());
            return null;
        }
    }

    private int allocateUid() {
        int free = usedUids.nextClearBit(0);
        if (free >= uidCount) {
            throw new IllegalStateException("All " + uidCount + " user ids from " + uidBase
                    + " are taken by conversations; raise agentbox.local.uid-count or delete conversations.");
        }
        usedUids.set(free);
        return uidBase + free;
    }

    private void loadUsedUids() throws IOException {
        try (Stream<Path> dirs = Files.list(conversationsDir)) {
            for (Path dir : dirs.toList()) {
                Path meta = dir.resolve("conversation.json");
                if (!Files.exists(meta)) {
                    continue;
                }
                try {
                    int uid = json.readValue(meta.toFile(), Meta.class).uid();
                    if (uid >= uidBase && uid < uidBase + uidCount) {
                        usedUids.set(uid - uidBase);
                    }
                } catch (IOException e) {
                    LOG.warnf("Unreadable conversation record skipped [file: %s, cause: %s]", meta, e.getMessage());
                }
            }
        }
    }
}
