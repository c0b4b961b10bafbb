package dev.agentbox.sandbox.records;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.Map;
import java.util.regex.Pattern;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * What the backend writes into an exec's record directory before the exec starts ({@code exec.json}).
 *
 * @param id the exec id
 * @param startedAt when it was started
 * @param labels the caller's labels
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ExecRecord(String id, Instant startedAt, Map<String, String> labels) {

    /** Exec ids: 12 characters that read unambiguously (no 0, 1, l, o), the same on every backend. */
    private static final char[] ID_CHARS = "abcdefghijkmnpqrstuvwxyz23456789".toCharArray();
    private static final Pattern ID = Pattern.compile("[a-z2-9]{12}");
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * @return a new, random exec id
     */
    public static String newId() {
        char[] id = new char[12];
        for (int i = 0; i < id.length; i++) {
            id[i] = ID_CHARS[RANDOM.nextInt(ID_CHARS.length)];
        }
        return new String(id);
    }

    /**
     * @return whether a string has the form of an exec id (so it is safe as a file or directory name)
     */
    public static boolean isId(String id) {
        return id != null && ID.matcher(id).matches();
    }
}
