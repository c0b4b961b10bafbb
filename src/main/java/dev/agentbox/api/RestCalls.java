package dev.agentbox.api;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.HttpHeaders;

import dev.agentbox.conversation.Callers;
import dev.agentbox.conversation.ConversationConfig;
import dev.agentbox.conversation.ConversationKeys;
import dev.agentbox.egress.EgressConfig;
import dev.agentbox.toolcall.CallContext;
import dev.agentbox.toolcall.ToolFailure;

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

    RestCalls(ConversationKeys keys, ConversationConfig config, Callers callers, EgressConfig egress) {
        this.keys = keys;
        this.config = config;
        this.callers = callers;
        this.egress = egress;
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
