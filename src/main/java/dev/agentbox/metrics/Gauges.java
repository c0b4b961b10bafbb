package dev.agentbox.metrics;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import dev.agentbox.conversation.Conversations;
import dev.agentbox.limits.PrincipalQuotas;
import io.quarkus.runtime.StartupEvent;

/**
 * The gauges of what runs now: live sandboxes and running jobs.
 */
@ApplicationScoped
class Gauges {

    void register(@Observes StartupEvent event, AgentboxMetrics metrics, Conversations conversations,
            PrincipalQuotas quotas) {
        metrics.gauge("agentbox.sandboxes.live", "Sandboxes running now", () -> conversations.liveSandboxes().size());
        metrics.gauge("agentbox.jobs.running", "bash jobs running now (started by this server process)",
                quotas::runningJobs);
    }
}
