package dev.agentbox.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

/**
 * The API keys the server accepts, by the SHA-256 of the key: those from configuration and those from the keys file,
 * which is read again (at most every few seconds) when its modification time changes. A key is never held in clear.
 */
@ApplicationScoped
public class ApiKeys {

    private static final Logger LOG = Logger.getLogger(ApiKeys.class);
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern PRINCIPAL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}");
    private static final long RECHECK_NANOS = 2_000_000_000L;

    /** One accepted key: who it authenticates and with which roles. */
    public record Entry(String principal, Set<String> roles) {
    }

    private final Map<String, Entry> configured;
    private final Optional<Path> file;
    private volatile Map<String, Entry> fromFile = Map.of();
    private volatile FileTime fileTime;
    private volatile long checkedAt;

    ApiKeys(AuthConfig config) {
        Map<String, Entry> keys = new HashMap<>();
        config.apiKeys().forEach((name, key) -> {
            String hash = key.sha256().trim().toLowerCase(Locale.ROOT);
            String principal = key.principal().orElse(name);
            check(hash, principal, "agentbox.auth.api-keys.\"" + name + "\"");
            keys.put(hash, new Entry(principal, Set.copyOf(key.roles().orElse(List.of()))));
        });
        this.configured = Map.copyOf(keys);
        this.file = config.apiKeysFile();
        file.ifPresent(f -> reload(f, true));
    }

    /**
     * @return how many keys are accepted now
     */
    public int count() {
        refresh();
        return configured.size() + fromFile.size();
    }

    /**
     * @param key the key as the caller presented it
     * @return who the key authenticates, or empty when it is not accepted
     */
    public Optional<Entry> find(String key) {
        refresh();
        String hash = sha256(key);
        Entry entry = configured.get(hash);
        return Optional.ofNullable(entry != null ? entry : fromFile.get(hash));
    }

    /**
     * @return the SHA-256 of the text as lower-case hex, the form keys are stored in
     */
    public static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    private void refresh() {
        if (file.isPresent() && System.nanoTime() - checkedAt > RECHECK_NANOS) {
            reload(file.get(), false);
        }
    }

    private synchronized void reload(Path path, boolean atStart) {
        checkedAt = System.nanoTime();
        try {
            FileTime modified = Files.getLastModifiedTime(path);
            if (modified.equals(fileTime)) {
                return;
            }
            Map<String, Entry> keys = new HashMap<>();
            List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).replaceFirst("#.*", "").trim();
                if (line.isEmpty()) {
                    continue;
                }
                String[] fields = line.split("\\s+");
                String where = path + " line " + (i + 1);
                if (fields.length < 2 || fields.length > 3) {
                    LOG.warnf("API key line ignored: expected '<sha256> <principal> [roles]' [at: %s]", where);
                    continue;
                }
                try {
                    String hash = fields[0].toLowerCase(Locale.ROOT);
                    check(hash, fields[1], where);
                    Set<String> roles = fields.length == 3 ? Set.copyOf(Arrays.asList(fields[2].split(",")))
                            : Set.of();
                    keys.put(hash, new Entry(fields[1], roles));
                } catch (IllegalArgumentException e) {
                    LOG.warnf("API key line ignored [at: %s, cause: %s]", where, e.getMessage());
                }
            }
            fromFile = Map.copyOf(keys);
            fileTime = modified;
            if (!atStart) {
                LOG.infof("API keys file read again [file: %s, keys: %d]", path, keys.size());
            }
        } catch (NoSuchFileException e) {
            if (atStart || !fromFile.isEmpty()) {
                LOG.warnf("API keys file missing; its keys are not accepted [file: %s]", path);
            }
            fromFile = Map.of();
            fileTime = null;
        } catch (IOException e) {
            LOG.warnf("API keys file unreadable; keeping the keys read before [file: %s, cause: %s]", path,
                    e.getMessage());
        }
    }

    private static void check(String hash, String principal, String where) {
        if (!SHA256.matcher(hash).matches()) {
            throw new IllegalArgumentException("The API key at " + where + " is not a SHA-256 in hex (64 characters "
                    + "0-9a-f); store printf %s \"$key\" | sha256sum, never the key itself");
        }
        if (!PRINCIPAL.matcher(principal).matches()) {
            throw new IllegalArgumentException("The principal '" + principal + "' at " + where + " must be 1 to 128 "
                    + "letters, digits and . _ @ + -, starting with a letter or digit");
        }
    }
}
