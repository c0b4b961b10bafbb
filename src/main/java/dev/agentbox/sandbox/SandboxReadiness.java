package dev.agentbox.sandbox;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness reflects the sandbox backend: ready only when it can provide sandboxes at the required isolation. The
 * response carries the backend and the isolation actually achieved.
 */
@Readiness
@ApplicationScoped
public class SandboxReadiness implements HealthCheck {

    private final SandboxBackend backend;

    SandboxReadiness(SandboxBackend backend) {
        this.backend = backend;
    }

    @Override
    public HealthCheckResponse call() {
        SandboxProvider provider = backend.provider();
        Isolation isolation = provider.isolation();
        String reason = provider.unavailableReason();
        HealthCheckResponseBuilder response = HealthCheckResponse.named("sandbox-backend").status(reason == null)
                .withData("backend", provider.name()).withData("isolation", isolation.level().name())
                .withData("summary", isolation.summary());
        if (reason != null) {
            response.withData("unavailable", reason);
        }
        return response.build();
    }
}
