package dev.agentbox.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A minimal MCP client over Streamable HTTP, the same for agentbox and for the peers: initialize once, then
 * {@code tools/call}. Responses may be JSON or a short SSE stream; both are read to the end.
 */
final class McpHttp {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final URI endpoint;
    private final Map<String, String> headers;
    private final String session;
    private int id;

    McpHttp(URI endpoint, Map<String, String> headers) throws Exception {
        this.endpoint = endpoint;
        this.headers = headers;
        HttpResponse<String> init = post(null, Map.of("jsonrpc", "2.0", "id", 0, "method", "initialize", "params",
                Map.of("protocolVersion", "2025-11-25", "capabilities", Map.of(), "clientInfo",
                        Map.of("name", "agentbox-bench", "version", "1"))));
        this.session = init.headers().firstValue("Mcp-Session-Id").orElse(null);
        post(session, Map.of("jsonrpc", "2.0", "method", "notifications/initialized"));
    }

    /**
     * Calls a tool and returns the result object.
     *
     * @throws IllegalStateException when the call failed or the result is an error
     */
    JsonNode call(String tool, Map<String, Object> arguments) throws Exception {
        HttpResponse<String> response = post(session, Map.of("jsonrpc", "2.0", "id", ++id, "method", "tools/call",
                "params", Map.of("name", tool, "arguments", arguments)));
        JsonNode message = parse(response.body());
        JsonNode result = message.path("result");
        if (response.statusCode() != 200 || result.isMissingNode() || result.path("isError").asBoolean(false)) {
            throw new IllegalStateException(tool + " failed: " + response.statusCode() + " " + response.body());
        }
        return result;
    }

    private HttpResponse<String> post(String sessionId, Map<String, Object> message) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(120))
                .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(message)));
        headers.forEach(request::header);
        if (sessionId != null) {
            request.header("Mcp-Session-Id", sessionId).header("MCP-Protocol-Version", "2025-11-25");
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A JSON body, or the last {@code data:} line of an SSE body. */
    private static JsonNode parse(String body) throws Exception {
        String trimmed = body.trim();
        if (trimmed.startsWith("{")) {
            return JSON.readTree(trimmed);
        }
        String last = null;
        for (String line : trimmed.split("\n")) {
            if (line.startsWith("data:") && line.length() > 5) {
                last = line.substring(5).trim();
            }
        }
        return last == null ? JSON.createObjectNode() : JSON.readTree(last);
    }
}
