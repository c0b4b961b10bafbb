package dev.agentbox.audit;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import dev.agentbox.conversation.ConversationKey;

/**
 * One audit event, written as one JSON line with these fields (absent ones left out).
 *
 * @param time when the event was recorded (for a call: when it ended)
 * @param type {@code tool_call}, {@code sandbox}, {@code egress}, {@code access} or {@code admin}
 * @param principal who acted, or {@code null} when nobody was authenticated
 * @param conversation the conversation id (a hash of principal and key)
 * @param conversationKey the conversation key as the client gave it
 * @param sandbox the sandbox id
 * @param tool the tool called
 * @param arguments a bounded, redacted summary of the arguments
 * @param outcome {@code ok} or {@code error} for calls; {@code allowed} or {@code blocked} for egress;
 *        {@code created}, {@code adopted}, {@code replaced}, {@code stopped} or {@code failed} for sandboxes;
 *        {@code denied} for refused requests; {@code deleted} for administrative deletions
 * @param reason the reason code or the sentence that explains the outcome
 * @param exitCode the command's exit code, when the call ran one
 * @param durationMs how long the call (or the sandbox creation) took
 * @param requestBytes the size of the arguments (or the bytes sent out, for egress)
 * @param responseBytes the size of the answer (or the bytes received, for egress)
 * @param surface {@code mcp} or {@code rest}
 * @param remote the caller's address
 * @param details more facts of the event (for egress: host and port; for access: method, path and status)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AuditEvent(Instant time, String type, String principal, String conversation, String conversationKey,
        String sandbox, String tool, Map<String, Object> arguments, String outcome, String reason, Integer exitCode,
        Long durationMs, Long requestBytes, Long responseBytes, String surface, String remote,
        Map<String, Object> details) {

    /**
     * An egress decision: a sandbox's connection to a host was allowed or blocked by the policy.
     *
     * @param conversation whose sandbox connected
     * @param sandboxId the sandbox
     * @param host the host name (or address) asked for
     * @param port the port
     * @param allowed whether the connection was let through
     * @param reason the rule that decided, or why it was blocked
     * @param bytesSent bytes sent to the host (0 when blocked)
     * @param bytesReceived bytes received from the host
     */
    public static AuditEvent egress(ConversationKey conversation, String sandboxId, String host, int port,
            boolean allowed, String reason, long bytesSent, long bytesReceived) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("host", host);
        details.put("port", port);
        return new AuditEvent(Instant.now(), "egress", conversation == null ? null : conversation.principal(),
                conversation == null ? null : conversation.id(), conversation == null ? null : conversation.key(),
                sandboxId, null, null, allowed ? "allowed" : "blocked", reason, null, null, bytesSent, bytesReceived,
                null, null, details);
    }

    /**
     * A request refused before any tool ran: no or bad credentials, a missing role, a hostile Host or Origin.
     */
    public static AuditEvent access(String principal, String method, String path, String remote, int status,
            String reason) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("method", method);
        details.put("path", path.length() > 200 ? path.substring(0, 200) + "..." : path);
        details.put("status", status);
        return new AuditEvent(Instant.now(), "access", principal, null, null, null, null, null, "denied", reason,
                null, null, null, null, null, remote, details);
    }

    /**
     * An administrative action, such as deleting another principal's conversation.
     */
    public static AuditEvent admin(String principal, ConversationKey conversation, String action, String remote) {
        return new AuditEvent(Instant.now(), "admin", principal, conversation.id(), conversation.key(), null, null,
                null, action, null, null, null, null, null, "rest", remote,
                Map.of("owner", conversation.principal()));
    }
}
