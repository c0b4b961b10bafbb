package dev.agentbox.api;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import dev.agentbox.conversation.Callers;
import dev.agentbox.conversation.ConversationConfig;
import dev.agentbox.conversation.ConversationKeys;
import dev.agentbox.egress.EgressConfig;
import dev.agentbox.toolcall.CallContext;
import dev.agentbox.toolcall.ToolCalls;
import dev.agentbox.toolcall.ToolCatalog;
import dev.agentbox.toolcall.ToolFailure;
import io.smallrye.mutiny.Uni;

/**
 * How a REST request names its conversation: the conversation header is required (REST has no session to fall back
 * on). The egress profile header, when present, names the profile of the conversation's sandbox.
 */
@ApplicationScoped
class RestCalls {

    private final ConversationKeys keys;
    private final ConversationConfig config;
    private final Callers callers;
    private final EgressConfig egress;
    private final ToolCatalog catalog;
    private final ToolCalls toolCalls;

    RestCalls(ConversationKeys keys, ConversationConfig config, Callers callers, EgressConfig egress,
            ToolCatalog catalog, ToolCalls toolCalls) {
        this.keys = keys;
        this.config = config;
        this.callers = callers;
        this.egress = egress;
        this.catalog = catalog;
        this.toolCalls = toolCalls;
    }

    /**
     * Calls a tool for a resource-style endpoint, so that it is checked, limited and audited exactly as the tool is.
     *
     * @param body the request's arguments, or {@code null}
     * @param more arguments the path carries, added to the body's
     * @param status the status of a success (for example 201 for something made)
     */
    Uni<Response> call(String tool, Supplier<CallContext> context, Map<String, Object> body, Map<String, Object> more,
            int status) {
        return Uni.createFrom().deferred(() -> {
            Map<String, Object> arguments = new HashMap<>(body == null ? Map.of() : body);
            arguments.putAll(more);
            return toolCalls.call(catalog.find(tool).orElseThrow(), context, arguments);
        }).map(outcome -> ToolResource.response(outcome, status))
                .onFailure(ToolFailure.class).recoverWithItem(f -> ToolResource.error((ToolFailure) f));
    }

    /**
     * The context of a call that names its conversation by key in the path rather than in the header.
     *
     * @throws ToolFailure {@code INVALID_ARGUMENT} when the key is malformed
     */
    CallContext context(String key) {
        return new CallContext(keys.resolve(callers.principal(), key, null, null), null, () -> false, null);
    }

    /**
     * @throws ToolFailure {@code INVALID_ARGUMENT} when the header is missing or malformed
     */
    CallContext context(HttpHeaders headers) {
        String header = headers.getHeaderString(config.header());
        if (header == null) {
            throw ToolFailure.invalid("Send the conversation in the header " + config.header() + " (REST calls have no"
                    + " session to fall back on), for example -H '" + config.header() + ": my-task-1'; calls with the "
                    + "same key share one sandbox and workspace.");
        }
        return new CallContext(keys.resolve(callers.principal(), header, null, null), null, () -> false,
                headers.getHeaderString(egress.header()));
    }
}
