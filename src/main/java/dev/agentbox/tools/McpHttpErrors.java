package dev.agentbox.tools;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import dev.agentbox.conversation.ConversationConfig;
import io.quarkiverse.mcp.server.runtime.McpMessageHandler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Gives the MCP endpoint's bare HTTP errors a body that says what to change. quarkus-mcp-server answers a missing
 * {@code Accept} pair, an unsupported {@code MCP-Protocol-Version}, a GET without a session and an unknown session on
 * a stream with a status and nothing else; a client (or the person reading its log) then cannot tell which. The body
 * is a JSON-RPC error without an id, as the transport allows for a rejected message; the status stays the same, so
 * clients that fall back on it (for example from the 2026-07-28 revision to 2025-11-25) still do.
 */
@ApplicationScoped
class McpHttpErrors {

    private static final Logger LOG = Logger.getLogger(McpHttpErrors.class);
    private static final int INVALID_REQUEST = -32600;

    private final ConversationConfig conversations;

    McpHttpErrors(ConversationConfig conversations) {
        this.conversations = conversations;
    }

    void register(@Observes Router router) {
        router.route("/mcp").order(Integer.MIN_VALUE).failureHandler(this::explain);
    }

    private void explain(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        if (ctx.response().headWritten() || ctx.failure() != null) {
            ctx.next();
            return;
        }
        JsonObject data = new JsonObject();
        String message = message(ctx.statusCode(), request, data);
        if (message == null) {
            ctx.next();
            return;
        }
        LOG.debugf("MCP request refused [status: %d, reason: %s]", ctx.statusCode(), message);
        JsonObject error = new JsonObject().put("code", INVALID_REQUEST).put("message", message);
        if (!data.isEmpty()) {
            error.put("data", data);
        }
        ctx.response().setStatusCode(ctx.statusCode()).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(new JsonObject().put("jsonrpc", "2.0").putNull("id").put("error", error).encode());
    }

    private String message(int status, HttpServerRequest request, JsonObject data) {
        String version = request.getHeader("MCP-Protocol-Version");
        List<String> supported = McpMessageHandler.SUPPORTED_PROTOCOL_VERSIONS;
        if (status == 400 && version != null && !supported.contains(version)) {
            data.put("supported", supported).put("requested", version);
            return "This server speaks MCP " + String.join(", ", supported) + ", not " + version + ". Send "
                    + "initialize without the MCP-Protocol-Version header (or with one of those versions) and use "
                    + "the version it answers.";
        }
        if (status == 400 && request.method() == HttpMethod.POST) {
            return "Streamable HTTP needs the header 'Accept: application/json, text/event-stream' on every POST "
                    + "(this request sent '" + request.getHeader(HttpHeaders.ACCEPT) + "').";
        }
        if (status == 405 && request.method() == HttpMethod.GET) {
            return "GET /mcp opens the stream of an existing session: send its Mcp-Session-Id header, or POST "
                    + "JSON-RPC messages to /mcp.";
        }
        if (status == 404) {
            return "The MCP session " + request.getHeader(McpCalls.SESSION_HEADER) + " is unknown (it ended, or "
                    + "the server restarted): send initialize again without Mcp-Session-Id. Name the conversation "
                    + "with the header " + conversations.header() + " to keep the same workspace across sessions.";
        }
        return null;
    }
}
