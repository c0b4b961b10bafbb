package dev.agentbox;

import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import io.quarkiverse.mcp.server.TextContent;
import io.quarkiverse.mcp.server.ToolResponse;
import io.quarkiverse.mcp.server.test.McpAssured;
import io.quarkiverse.mcp.server.test.McpAssured.McpStreamableTestClient;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;

/**
 * A real MCP client (McpAssured over Streamable HTTP) bound to one conversation through the conversation header, with
 * shortcuts that return what the agent would see.
 */
public final class McpSession implements AutoCloseable {

    public static final String HEADER = "Agentbox-Conversation";

    /**
     * Appended to every key so that runs never meet conversations of earlier runs in a reused state directory, while
     * two sessions of one run that open the same key still share a conversation.
     */
    public static final String RUN = Long.toString(System.currentTimeMillis(), 36);

    /**
     * An {@code Authorization} header every session opened from now on sends, or {@code null}; set by test classes
     * that repeat other classes' tests with authentication on.
     */
    public static volatile String authorization;

    private final McpStreamableTestClient client;

    private McpSession(McpStreamableTestClient client) {
        this.client = client;
    }

    /** Connects with the conversation key (made unique to this test run) in the header. */
    public static McpSession open(String conversation) {
        return open(conversation, authorization);
    }

    /** Connects with the conversation key in the header and, unless {@code null}, an Authorization header. */
    public static McpSession open(String conversation, String authorizationHeader) {
        return new McpSession(McpAssured.newStreamableClient().setAdditionalHeaders(m -> {
            MultiMap headers = MultiMap.caseInsensitiveMultiMap().add(HEADER, key(conversation));
            return authorizationHeader == null ? headers : headers.add("Authorization", authorizationHeader);
        }).build().connect());
    }

    /** Connects with the conversation key (made unique to this test run) and further headers on every request. */
    public static McpSession open(String conversation, Map<String, String> headers) {
        return new McpSession(McpAssured.newStreamableClient().setAdditionalHeaders(m -> {
            MultiMap all = MultiMap.caseInsensitiveMultiMap().add(HEADER, key(conversation));
            headers.forEach(all::add);
            return all;
        }).build().connect());
    }

    /** Connects with exactly this conversation key, for handles the server made (a fork's). */
    public static McpSession openExact(String key) {
        return new McpSession(McpAssured.newStreamableClient()
                .setAdditionalHeaders(m -> MultiMap.caseInsensitiveMultiMap().add(HEADER, key)).build().connect());
    }

    /** Connects without a conversation header: calls fall back to the MCP session. */
    public static McpSession openWithoutKey() {
        String auth = authorization;
        return new McpSession(auth == null ? McpAssured.newConnectedStreamableClient()
                : McpAssured.newStreamableClient()
                        .setAdditionalHeaders(m -> MultiMap.caseInsensitiveMultiMap().add("Authorization", auth))
                        .build().connect());
    }

    /** @return the key a test's conversation name stands for in this run */
    public static String key(String conversation) {
        return conversation + "-" + RUN;
    }

    public McpStreamableTestClient client() {
        return client;
    }

    /** Calls a tool and returns the whole response. */
    public ToolResponse call(String tool, Map<String, Object> args) {
        AtomicReference<ToolResponse> response = new AtomicReference<>();
        client.when().toolsCall(tool, args, response::set).thenAssertResults();
        return response.get();
    }

    /** Calls a tool with a {@code _meta} object and returns the whole response. */
    public ToolResponse callWithMeta(String tool, Map<String, Object> args, Map<String, Object> meta) {
        AtomicReference<ToolResponse> response = new AtomicReference<>();
        client.when().toolsCall(tool).withArguments(args).withMetadata(meta).withAssert(response::set).send()
                .thenAssertResults();
        return response.get();
    }

    /** Runs a bash command and returns the structured result (or the structured error). */
    public JsonObject bash(String command) {
        return structured(call("bash", Map.of("command", command)));
    }

    /** Starts a bash command, in the background or not, and returns the structured result. */
    public JsonObject bash(String command, boolean background) {
        return structured(call("bash", Map.of("command", command, "background", background)));
    }

    /** Starts a bash command with a timeout, in the background or not, and returns the structured result. */
    public JsonObject bash(String command, boolean background, int timeoutSeconds) {
        return structured(call("bash", Map.of("command", command, "background", background, "timeout_seconds",
                timeoutSeconds)));
    }

    /** Runs a bash command that must succeed with exit code 0, and returns its stdout. */
    public String sh(String command) {
        JsonObject result = bash(command);
        if (!Integer.valueOf(0).equals(result.getInteger("exit_code"))) {
            throw new AssertionError("Command failed: " + command + " -> " + result.encodePrettily());
        }
        return result.getString("stdout");
    }

    /** Follows a job's stdout with job_output and wait_seconds until it is complete, and returns all of it. */
    public String follow(String jobId) {
        StringBuilder output = new StringBuilder();
        long offset = 0;
        for (int i = 0; i < 200; i++) {
            JsonObject piece = structured(call("job_output", Map.of("job_id", jobId, "offset", offset,
                    "wait_seconds", 5)));
            output.append(piece.getString("output"));
            offset = piece.getLong("next_offset");
            if (piece.getBoolean("complete")) {
                return output.toString();
            }
        }
        throw new AssertionError("job " + jobId + " did not complete; output so far: " + output);
    }

    public static JsonObject structured(ToolResponse response) {
        Object structured = response.structuredContent();
        return structured instanceof JsonObject json ? json : JsonObject.mapFrom(structured);
    }

    public static String text(ToolResponse response) {
        return ((TextContent) response.content().get(0)).text();
    }

    @Override
    public void close() {
        client.disconnect();
    }
}
