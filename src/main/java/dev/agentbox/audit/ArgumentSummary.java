package dev.agentbox.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * What of a call's arguments goes into its audit event: text redacted and cut to a bound, file contents replaced by
 * their size and a hash prefix (an auditor can match them against a copy; the log never holds them).
 */
final class ArgumentSummary {

    /** Arguments that carry file contents. */
    private static final Set<String> CONTENTS = Set.of("content", "old_string", "new_string");
    private static final int MAX_ARGUMENTS = 16;

    private ArgumentSummary() {
    }

    static Map<String, Object> of(Map<String, ?> arguments, int maxChars) {
        Map<String, Object> summary = new LinkedHashMap<>();
        for (Map.Entry<String, ?> argument : arguments.entrySet()) {
            if (summary.size() == MAX_ARGUMENTS) {
                summary.put("...", (arguments.size() - MAX_ARGUMENTS) + " more arguments");
                break;
            }
            String name = cut(argument.getKey(), 64);
            Object value = argument.getValue();
            if (value instanceof String text) {
                summary.put(name, CONTENTS.contains(name) ? contents(text) : Redaction.redactCut(text, maxChars));
            } else if (value instanceof Number || value instanceof Boolean || value == null) {
                summary.put(name, value);
            } else {
                summary.put(name, "(" + (value instanceof Map ? "an object" : "an array") + ")");
            }
        }
        return summary;
    }

    /** @return the size of the arguments' text, in bytes of UTF-8 */
    static long bytes(Map<String, ?> arguments) {
        long bytes = 0;
        for (Object value : arguments.values()) {
            bytes += value instanceof String text ? utf8Length(text) : 8;
        }
        return bytes;
    }

    static long utf8Length(String text) {
        long bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isHighSurrogate(c) ? 2 : 3;
        }
        return bytes;
    }

    private static String contents(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        try {
            String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)).substring(0, 16);
            return "(" + bytes.length + " bytes, sha256 " + hash + "...)";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String cut(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max) + "... (" + text.length() + " characters)";
    }
}
