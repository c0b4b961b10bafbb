package dev.agentbox.audit;

import java.util.concurrent.Executor;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import dev.agentbox.conversation.Conversations;
import dev.agentbox.egress.EgressDecision;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Records every egress decision of the proxy in the audit log (which also counts it in the metrics). Decisions arrive
 * on the proxy's event loop; the durable write happens on a worker.
 */
@ApplicationScoped
class EgressAuditing {

    private final AuditLog audit;
    private final Conversations conversations;
    private final Executor executor = Infrastructure.getDefaultWorkerPool();

    EgressAuditing(AuditLog audit, Conversations conversations) {
        this.audit = audit;
        this.conversations = conversations;
    }

    void onDecision(@Observes EgressDecision decision) {
        executor.execute(() -> audit.record(AuditEvent.egress(
                conversations.byId(decision.conversationId()).orElse(null), decision.sandboxId(),
                decision.host(), decision.port(), decision.decision() == EgressDecision.Outcome.ALLOWED,
                decision.reason(), decision.bytesOut(), decision.bytesIn())));
    }
}
