package dev.agentbox.metrics;

import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import dev.agentbox.conversation.SandboxEvent;
import dev.agentbox.toolcall.ToolCallListener;
import dev.agentbox.toolcall.ToolCallRecord;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * agentbox's own metrics: tool calls (count by tool, outcome, reason and principal; duration by tool and outcome),
 * sandboxes (live, created with their latency, failed, stopped by cause), running jobs, egress decisions and refused
 * requests. {@link #egress(boolean)} is the counter the egress proxy calls through the audit log.
 */
@ApplicationScoped
public class AgentboxMetrics implements ToolCallListener {

    private static final String OTHER = "other";

    private final MeterRegistry registry;
    private final MetricsConfig config;
    private final Set<String> labelled = ConcurrentHashMap.newKeySet();

    AgentboxMetrics(MeterRegistry registry, MetricsConfig config) {
        this.registry = registry;
        this.config = config;
    }

    /**
     * Registers a gauge once.
     *
     * @param name the metric name, for example {@code agentbox.sandboxes.live}
     * @param description what it measures
     * @param value reads the current value
     */
    public void gauge(String name, String description, Supplier<Number> value) {
        Gauge.builder(name, value).description(description).register(registry);
    }

    @Override
    public void completed(ToolCallRecord call) {
        String outcome = call.result();
        String reason = call.reason() == null ? "none" : call.reason();
        Counter.builder("agentbox.tool.calls").description("Tool calls, by tool, outcome, reason code and principal")
                .tag("tool", call.tool()).tag("outcome", outcome).tag("reason", reason)
                .tag("principal", principalLabel(call.principal())).register(registry).increment();
        Timer.builder("agentbox.tool.call.duration").description("How long tool calls take, by tool and outcome")
                .tag("tool", call.tool()).tag("outcome", outcome).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(2))
                .register(registry).record(call.duration());
    }

    void onSandbox(@Observes SandboxEvent event) {
        switch (event.kind()) {
            case CREATED -> {
                Counter.builder("agentbox.sandbox.creations").description("Sandboxes created, by outcome")
                        .tag("outcome", "created").register(registry).increment();
                if (event.took() != null) {
                    Timer.builder("agentbox.sandbox.creation.duration").description("How long creating a sandbox takes")
                            .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                            .maximumExpectedValue(Duration.ofSeconds(30)).register(registry).record(event.took());
                }
            }
            case FAILED -> Counter.builder("agentbox.sandbox.creations").description("Sandboxes created, by outcome")
                    .tag("outcome", "failed").register(registry).increment();
            case ADOPTED -> Counter.builder("agentbox.sandbox.adoptions")
                    .description("Sandboxes of an earlier server taken over").register(registry).increment();
            case REPLACED, STOPPED -> Counter.builder("agentbox.sandbox.stops")
                    .description("Sandboxes stopped or lost, by cause (idle and lifetime are the reaper's)")
                    .tag("cause", cause(event)).register(registry).increment();
        }
    }

    /**
     * Counts one egress decision.
     *
     * @param allowed whether the connection was let through
     */
    public void egress(boolean allowed) {
        Counter.builder("agentbox.egress.decisions").description("Egress connections, by decision")
                .tag("decision", allowed ? "allowed" : "blocked").register(registry).increment();
    }

    /**
     * Counts one request refused before any tool ran.
     *
     * @param status the HTTP status it got (401, 403, 404)
     */
    public void refused(int status) {
        Counter.builder("agentbox.requests.refused").description("Requests refused by authentication or the "
                + "Host and Origin checks, by status").tag("status", Integer.toString(status)).register(registry)
                .increment();
    }

    private static String cause(SandboxEvent event) {
        if (event.kind() == SandboxEvent.Kind.REPLACED) {
            return "lost";
        }
        String reason = event.reason() == null ? "" : event.reason().toLowerCase(Locale.ROOT);
        if (reason.contains("idle")) {
            return "idle";
        }
        if (reason.contains("lifetime")) {
            return "lifetime";
        }
        if (reason.contains("server")) {
            return "server";
        }
        return reason.contains("delete") ? "deleted" : OTHER;
    }

    private String principalLabel(String principal) {
        if (config.maxPrincipals() <= 0) {
            return "";
        }
        if (labelled.contains(principal)) {
            return principal;
        }
        if (labelled.size() < config.maxPrincipals() && labelled.add(principal)) {
            return principal;
        }
        return labelled.contains(principal) ? principal : OTHER;
    }
}
