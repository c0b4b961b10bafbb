package dev.agentbox.conversation;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Identifies a conversation: the principal that owns it and the key the client gave (or the MCP session it came from).
 * <p>
 * Two principals using the same key have two different conversations. The {@link #id()} derived from both is what
 * backends use to name directories, cgroups and Kubernetes objects: it never contains the raw key.
 *
 * @param principal who owns the conversation ({@code anonymous} when authentication is off)
 * @param key the conversation key, already validated
 */
public record ConversationKey(String principal, String key) {

    public ConversationKey {
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(key, "key");
    }

    /**
     * @return 24 hex characters of SHA-256 over principal and key; stable across restarts and replicas
     */
    public String id() {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(principal.getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
            digest.update(key.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest.digest()).substring(0, 24);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    @Override
    public String toString() {
        return principal + ":" + key;
    }
}
