package dev.agentbox.audit;

import java.time.Instant;
import java.util.Locale;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import dev.agentbox.conversation.ConversationKey;
import dev.agentbox.conversation.SandboxEvent;
import dev.agentbox.toolcall.CallContext;
import dev.agentbox.toolcall.Reason;
import dev.agentbox.toolcall.ToolCallGate;
import dev.agentbox.toolcall.ToolCallListener;
import dev.agentbox.toolcall.ToolCallRecord;
import dev.agentbox.toolcall.ToolFailure;
import dev.agentbox.toolcall.ToolOutcome;
import dev.agentbox.toolcall.ToolResult;

/**
 * Turns what happens into audit events: every tool call (before its answer leaves), every sandbox change. It also
 * refuses calls while the audit store cannot be written, so that nothing runs unrecorded.
 */
@ApplicationScoped
public class AuditRecorder implements ToolCallListener, ToolCallGate {

    private final AuditLog log;
    private final AuditConfig config;

    AuditRecorder(AuditLog log, AuditConfig config) {
        this.log = log;
        this.config = config;
    }

    @Override
    public int order() {
        return 0;
    }

    @Override
    public Runnable admit(String tool, CallContext call) {
        String problem = log.problem();
        if (problem != null) {
            throw new ToolFailure(Reason.SANDBOX_UNAVAILABLE, "No calls run while " + problem
                    + "; every call must be recorded. Try again once the operator has fixed it.");
        }
        return () -> {
        };
    }

    @Override
    public void completed(ToolCallRecord call) {
        ToolOutcome outcome = call.outcome();
        ConversationKey conversation = call.conversation();
        String reason = call.reason();
        if (outcome != null && outcome.isError() && outcome.failure().reason() == Reason.INVALID_ARGUMENT
                && conversation == null) {
            reason = Reason.INVALID_ARGUMENT.name();
        }
        Integer exitCode = outcome == null ? null : exitCode(outcome);
        long responseBytes = outcome == null ? 0 : ArgumentSummary.utf8Length(outcome.text());
        log.record(new AuditEvent(Instant.now(), "tool_call", call.principal(),
                conversation == null ? null : conversation.id(), conversation == null ? null : conversation.key(),
                call.sandboxId(), call.tool(), ArgumentSummary.of(call.arguments(), config.maxArgumentChars()),
                call.result(), reason, exitCode, call.duration().toMillis(), ArgumentSummary.bytes(call.arguments()),
                responseBytes, call.surface(), call.remote(), null));
    }

    void onSandbox(@Observes SandboxEvent event) {
        ConversationKey conversation = event.conversation();
        log.record(new AuditEvent(Instant.now(), "sandbox", conversation.principal(), conversation.id(),
                conversation.key(), event.sandboxId(), null, null, event.kind().name().toLowerCase(Locale.ROOT),
                event.reason(), null, event.took() == null ? null : event.took().toMillis(), null, null, null, null,
                null));
    }

    /** The exit code of a command the call ran, from the result or from the details of a failure. */
    private static Integer exitCode(ToolOutcome outcome) {
        Object carrier = outcome.isError() ? outcome.failure().details() : outcome.result();
        if (carrier instanceof ToolResult result) {
            return result.exitCode();
        }
        if (carrier instanceof Map<?, ?> map && map.get("exit_code") instanceof Integer code) {
            return code;
        }
        return null;
    }
}
