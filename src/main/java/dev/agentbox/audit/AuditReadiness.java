package dev.agentbox.audit;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness reflects the audit log: a server that cannot record calls refuses them, so it is not ready.
 */
@Readiness
@ApplicationScoped
public class AuditReadiness implements HealthCheck {

    private final AuditLog log;

    AuditReadiness(AuditLog log) {
        this.log = log;
    }

    @Override
    public HealthCheckResponse call() {
        String problem = log.problem();
        return problem == null ? HealthCheckResponse.up("audit-log")
                : HealthCheckResponse.named("audit-log").down().withData("problem", problem).build();
    }
}
