package dev.agentbox.tools;

import java.util.List;
import java.util.function.BiConsumer;

import jakarta.enterprise.context.ApplicationScoped;

import dev.agentbox.conversation.Callers;
import dev.agentbox.conversation.ConversationConfig;
import dev.agentbox.conversation.ConversationKey;
import dev.agentbox.conversation.ConversationKeys;
import dev.agentbox.egress.EgressConfig;
import dev.agentbox.toolcall.CallContext;
import dev.agentbox.toolcall.ToolCalls;
import dev.agentbox.toolcall.ToolSpec;
import io.quarkiverse.mcp.server.McpConnection;
import io.quarkiverse.mcp.server.Meta;
import io.quarkiverse.mcp.server.MetaKey;
import io.quarkiverse.mcp.server.Progress;
import io.quarkiverse.mcp.server.TextContent;
import io.quarkiverse.mcp.server.ToolManager;
import io.quarkiverse.mcp.server.ToolResponse;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;

/**
 * What every MCP tool does around its service call: find the conversation from the request, and turn the outcome
 * into a tool result with text for the model and structured content for programs. Failures the agent can act on
 * become {@code isError} results; anything else stays a protocol error.
 */
@ApplicationScoped
class McpCalls {

    private final ConversationKeys keys;
    private final ConversationConfig config;
    private final Callers callers;
    private final CurrentVertxRequest currentRequest;
    private final ToolCalls toolCalls;
    private final MetaKey metaKey;
    private final EgressConfig egress;
    private final MetaKey egressMetaKey;

    /** The Streamable HTTP session header. */
    static final String SESSION_HEADER = "Mcp-Session-Id";

    McpCalls(ConversationKeys keys, ConversationConfig config, Callers callers, CurrentVertxRequest currentRequest,
            ToolCalls toolCalls, EgressConfig egress) {
        this.keys = keys;
        this.toolCalls = toolCalls;
        this.config = config;
        this.callers = callers;
        this.currentRequest = currentRequest;
        this.metaKey = MetaKey.from(config.metaKey());
        this.egress = egress;
        this.egressMetaKey = MetaKey.from(egress.metaKey());
    }

    /**
     * Runs a tool call in the caller's conversation and renders its outcome.
     */
    Uni<ToolResponse> call(ToolSpec spec, ToolManager.ToolArguments args) {
        return toolCalls.call(spec, () -> context(args), args.args())
                .map(outcome -> new ToolResponse(outcome.isError(), List.of(new TextContent(outcome.text())),
                        outcome.structured(), null));
    }

    private CallContext context(ToolManager.ToolArguments args) {
        ConversationKey conversation = conversation(args.connection(), args.meta());
        Progress progress = args.progress();
        BiConsumer<Double, String> progressSink = progress.token().isEmpty() ? null
                : (value, message) -> progress.notificationBuilder().setProgress(value).setMessage(message).build()
                        .sendAndForget();
        return new CallContext(conversation, progressSink, () -> args.cancellation().check().isRequested(),
                egressProfile(args.meta()));
    }

    private String egressProfile(Meta meta) {
        RoutingContext request = currentRequest.getCurrent();
        String header = request == null ? null : request.request().getHeader(egress.header());
        if (header != null) {
            return header;
        }
        Object fromMeta = meta == null ? null : meta.getValue(egressMetaKey);
        return fromMeta == null ? null : fromMeta.toString();
    }

    private ConversationKey conversation(McpConnection connection, Meta meta) {
        RoutingContext request = currentRequest.getCurrent();
        String header = request == null ? null : request.request().getHeader(config.header());
        Object fromMeta = meta == null ? null : meta.getValue(metaKey);
        return keys.resolve(callers.principal(), header, fromMeta == null ? null : fromMeta.toString(),
                session(connection, request));
    }

    /**
     * The MCP session a call belongs to: the session id the client sent, or else the connection's own id, unless the
     * connection was made up for this one request (a client without sessions; the server runs with auto-init). The
     * id the client sent wins because it outlives the connection: after a server restart the client's next call
     * carries its old id, gets a fresh connection, and still lands in the conversation of its session.
     */
    private static String session(McpConnection connection, RoutingContext request) {
        String sent = request == null ? null : request.request().getHeader(SESSION_HEADER);
        if (sent != null) {
            return sent;
        }
        if (connection == null || connection.initialRequest() != null
                && connection.initialRequest().autoInitialized()) {
            return null;
        }
        return connection.id();
    }
}
