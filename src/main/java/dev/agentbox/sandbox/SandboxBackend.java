package dev.agentbox.sandbox;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;

import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;

/**
 * The backend selected by {@code agentbox.sandbox.backend}, started once when the server starts.
 */
@ApplicationScoped
public class SandboxBackend {

    private static final Logger LOG = Logger.getLogger(SandboxBackend.class);

    private final SandboxProvider provider;
    private final SandboxConfig config;

    SandboxBackend(@Any Instance<SandboxProvider> providers, SandboxConfig config) {
        this.config = config;
        this.provider = providers.stream().filter(p -> p.name().equals(config.backend())).findFirst()
                .orElseThrow(() -> new IllegalStateException("Unknown sandbox backend '" + config.backend()
                        + "' in agentbox.sandbox.backend; known: "
                        + providers.stream().map(SandboxProvider::name).toList()));
    }

    void onStart(@Observes @Priority(10) StartupEvent event) {
        provider.start(config.toLimits());
        SandboxConfig.LimitsConfig limits = config.limits();
        String state = provider.unavailableReason() == null ? "ready" : "UNAVAILABLE: " + provider.unavailableReason();
        LOG.infof("Sandbox backend %s [backend: %s, isolation: %s, idle-timeout: %s, memory: %d MiB, pids: %d, cpus: %s]",
                state, provider.name(), provider.isolation().summary(), config.idleTimeout(),
                limits.memory().asLongValue() >> 20,
                limits.pids(), limits.cpus());
    }

    /**
     * @return the active provider
     */
    public SandboxProvider provider() {
        return provider;
    }
}
