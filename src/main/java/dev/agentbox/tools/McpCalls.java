package dev.agentbox.tools;

import java.util.List;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;

import dev.agentbox.conversation.Callers;
import dev.agentbox.conversation.ConversationConfig;
import dev.agentbox.conversation.ConversationKey;
import dev.agentbox.conversation.ConversationKeys;
import dev.agentbox.toolcall.ToolFailure;
import dev.agentbox.toolcall.ToolResult;
import io.quarkiverse.mcp.server.McpConnection;
import io.quarkiverse.mcp.server.Meta;
import io.quarkiverse.mcp.server.MetaKey;
import io.quarkiverse.mcp.server.TextContent;
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
    private final MetaKey metaKey;

    McpCalls(ConversationKeys keys, ConversationConfig config, Callers callers, CurrentVertxRequest currentRequest) {
        this.keys = keys;
        this.config = config;
        this.callers = callers;
        this.currentRequest = currentRequest;
        this.metaKey = MetaKey.from(config.metaKey());
    }

    /**
     * Runs a tool call in the caller's conversation.
     */
    Uni<ToolResponse> call(McpConnection connection, Meta meta,
            Function<ConversationKey, Uni<? extends ToolResult>> work) {
        return Uni.createFrom().<ToolResult> deferred(() -> work.apply(conversation(connection, meta))
                .map(r -> (ToolResult) r))
                .map(McpCalls::success)
                .onFailure(ToolFailure.class).recoverWithItem(f -> error((ToolFailure) f));
    }

    private ConversationKey conversation(McpConnection connection, Meta meta) {
        RoutingContext request = currentRequest.getCurrent();
        String header = request == null ? null : request.request().getHeader(config.header());
        Object fromMeta = meta == null ? null : meta.getValue(metaKey);
        return keys.resolve(callers.principal(), header, fromMeta == null ? null : fromMeta.toString(),
                connection == null ? null : connection.id());
    }

    static ToolResponse success(ToolResult result) {
        return new ToolResponse(false, List.of(new TextContent(result.text())), result, null);
    }

    static ToolResponse error(ToolFailure failure) {
        String text = failure.reason() + ": " + failure.getMessage();
        if (failure.details() instanceof ToolResult details) {
            text += "\n" + details.text();
        }
        return new ToolResponse(true, List.of(new TextContent(text)), failure.asStructured(), null);
    }
}
