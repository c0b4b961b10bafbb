package dev.agentbox.toolcall;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

import org.jboss.logging.Logger;

import dev.agentbox.conversation.Callers;
import dev.agentbox.conversation.Conversations;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;

/**
 * The one place every tool call goes through, whichever surface it came from: it asks the {@link ToolCallGate}s
 * whether the call may start, runs the tool, gathers what the agent must see with the outcome, and tells every
 * {@link ToolCallListener} (audit, metrics) how the call ended before the answer leaves.
 */
@ApplicationScoped
public class ToolCalls {

    private static final Logger LOG = Logger.getLogger(ToolCalls.class);

    private final Conversations conversations;
    private final Callers callers;
    private final CurrentVertxRequest currentRequest;
    private final List<ToolCallGate> gates = new ArrayList<>();
    private final List<ToolCallListener> listeners = new ArrayList<>();
    private final Clock clock;

    ToolCalls(Conversations conversations, Callers callers, CurrentVertxRequest currentRequest,
            Instance<ToolCallGate> gates, Instance<ToolCallListener> listeners, Clock clock) {
        this.conversations = conversations;
        this.callers = callers;
        this.currentRequest = currentRequest;
        this.clock = clock;
        gates.forEach(this.gates::add);
        this.gates.sort(Comparator.comparingInt(ToolCallGate::order));
        listeners.forEach(this.listeners::add);
    }

    /**
     * @param spec the tool
     * @param call the caller's conversation, progress and cancellation
     * @param arguments the arguments as decoded from JSON
     * @return the outcome; only unexpected failures (bugs, a broken host) fail the {@code Uni}
     */
    public Uni<ToolOutcome> call(ToolSpec spec, CallContext call, Map<String, ?> arguments) {
        return call(spec, () -> call, arguments);
    }

    /**
     * Like {@link #call(ToolSpec, CallContext, Map)}, with the call's context made inside, so that a request that
     * names no usable conversation is answered and accounted for like any other call.
     *
     * @param context makes the caller's context; a {@link ToolFailure} it throws becomes the outcome
     */
    public Uni<ToolOutcome> call(ToolSpec spec, Supplier<CallContext> context, Map<String, ?> arguments) {
        Instant startedAt = clock.instant();
        long started = System.nanoTime();
        RoutingContext request = currentRequest.getCurrent();
        String surface = request != null && request.normalizedPath().startsWith("/mcp") ? "mcp" : "rest";
        String remote = request == null || request.request().remoteAddress() == null ? null
                : request.request().remoteAddress().hostAddress();
        String principal = callers.principal();
        AtomicReference<CallContext> resolved = new AtomicReference<>();
        return Uni.createFrom().deferred(() -> {
            CallContext call = context.get();
            resolved.set(call);
            List<Runnable> releases = admit(spec.name(), call);
            try {
                // The egress profile is claimed for the whole call, so that a sandbox the call starts gets exactly it.
                releases.add(conversations.chooseEgress(call.conversation(), call.egressProfile()));
            } catch (RuntimeException refused) {
                releases.forEach(Runnable::run);
                throw refused;
            }
            return spec.call(call, arguments).map(result -> new ToolOutcome(result, null, notices(call)))
                    .onFailure(ToolFailure.class)
                    .recoverWithItem(failure -> new ToolOutcome(null, (ToolFailure) failure, notices(call)))
                    .onTermination().invoke(() -> releases.forEach(Runnable::run));
        }).onFailure(ToolFailure.class).recoverWithItem(failure -> new ToolOutcome(null, (ToolFailure) failure,
                resolved.get() == null ? List.of() : notices(resolved.get())))
                .onItemOrFailure().invoke((outcome, failure) -> completed(new ToolCallRecord(spec.name(), principal,
                        resolved.get() == null ? null : resolved.get().conversation(),
                        resolved.get() == null ? null : conversations.sandboxId(resolved.get().conversation()),
                        arguments == null ? Map.of() : arguments, outcome,
                        failure == null ? null : failure.getClass().getSimpleName(), startedAt,
                        Duration.ofNanos(System.nanoTime() - started), surface, remote)));
    }

    private List<Runnable> admit(String tool, CallContext call) {
        List<Runnable> releases = new ArrayList<>(gates.size());
        try {
            for (ToolCallGate gate : gates) {
                releases.add(gate.admit(tool, call));
            }
            return releases;
        } catch (RuntimeException refused) {
            releases.forEach(Runnable::run);
            throw refused;
        }
    }

    private void completed(ToolCallRecord record) {
        for (ToolCallListener listener : listeners) {
            try {
                listener.completed(record);
            } catch (RuntimeException e) {
                LOG.errorf(e, "A tool call listener failed [listener: %s, tool: %s]", listener.getClass().getName(),
                        record.tool());
            }
        }
    }

    private List<String> notices(CallContext call) {
        return conversations.takeNotice(call.conversation()).stream().toList();
    }
}
