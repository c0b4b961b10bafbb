package dev.agentbox.tools;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import dev.agentbox.McpSession;
import io.quarkiverse.mcp.server.TextContent;
import io.quarkiverse.mcp.server.ToolResponse;
import io.quarkiverse.mcp.server.test.McpAssured;
import io.quarkiverse.mcp.server.test.McpAssured.McpTestClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;

/**
 * Clients that are not the newest, well-behaved MCP client: older protocol revisions, the legacy HTTP+SSE transport,
 * clients without sessions, clients that only send the conversation in {@code _meta}, and requests the transport
 * refuses. Each works, or gets an error that says what to change.
 */
@QuarkusTest
class ProtocolCompatibilityTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String ACCEPT = "application/json, text/event-stream";

    @TestHTTPResource("/mcp")
    URL mcp;

    @Test
    void aClientOfRevision20250326WorksOverStreamableHttp() {
        McpTestClient<?, ?> client = McpAssured.newStreamableClient().setProtocolVersion("2025-03-26")
                .setAdditionalHeaders(m -> headers("compat-2025-03-26")).build().connect();
        try {
            String text = text(call(client, "bash", Map.of("command", "echo old > old.txt; cat old.txt")));

            assertThat(text).contains("exit code 0").contains("old");
        } finally {
            client.disconnect();
        }
    }

    @Test
    void aClientOfRevision20241105WorksOverTheLegacySseTransportInTheSameConversation() {
        McpTestClient<?, ?> legacy = McpAssured.newSseClient().setProtocolVersion("2024-11-05")
                .setAdditionalHeaders(m -> headers("compat-2024-11-05")).build().connect();
        try (McpSession current = McpSession.open("compat-2024-11-05")) {
            call(legacy, "write_file", Map.of("path", "legacy.txt", "content", "from 2024-11-05\n"));

            assertThat(current.sh("cat legacy.txt")).isEqualTo("from 2024-11-05\n");
        } finally {
            legacy.disconnect();
        }
    }

    @Test
    void aClientWithoutSessionsWorksWhenItNamesTheConversationInTheHeader() throws Exception {
        Map<String, String> headers = Map.of(McpSession.HEADER, McpSession.key("compat-stateless"));

        Reply written = post(headers, toolCall("write_file", Map.of("path", "s.txt", "content", "kept\n"), null));
        Reply read = post(headers, toolCall("bash", Map.of("command", "cat s.txt"), null));

        assertThat(written.status()).isEqualTo(200);
        assertThat(read.result().getBoolean("isError")).isFalse();
        assertThat(read.result().getJsonObject("structuredContent").getString("stdout")).isEqualTo("kept\n");
    }

    @Test
    void aClientWithoutSessionsThatSendsTheKeyOnlyInMetaWorks() throws Exception {
        Map<String, Object> meta = Map.of("dev.agentbox/conversation", McpSession.key("compat-meta-only"));

        post(Map.of(), toolCall("write_file", Map.of("path", "m.txt", "content", "via meta\n"), meta));
        Reply read = post(Map.of(), toolCall("read_file", Map.of("path", "m.txt"), meta));

        assertThat(read.result().getBoolean("isError")).isFalse();
        assertThat(read.result().getJsonObject("structuredContent").getString("content")).contains("via meta");
    }

    @Test
    void aClientWithoutSessionsAndWithoutAKeyIsToldWhatToSend() throws Exception {
        Reply reply = post(Map.of(), toolCall("bash", Map.of("command", "true"), null));

        assertThat(reply.result().getBoolean("isError")).isTrue();
        assertThat(reply.result().getJsonArray("content").getJsonObject(0).getString("text"))
                .startsWith("INVALID_ARGUMENT: This call names no conversation and has no MCP session")
                .contains("Agentbox-Conversation").contains("dev.agentbox/conversation");
    }

    @Test
    void aSessionTheServerNoLongerKnowsKeepsItsConversation() throws Exception {
        // What a client holds after the server restarted: a session id no connection has any more.
        String stale = "c3RhbGUtc2Vzc2lvbi0" + McpSession.RUN;
        Map<String, String> headers = Map.of("Mcp-Session-Id", stale, "MCP-Protocol-Version", "2025-11-25");

        post(headers, toolCall("bash", Map.of("command", "echo before > r.txt"), null));
        Reply info = post(headers, toolCall("sandbox_info", Map.of(), null));
        Reply read = post(headers, toolCall("bash", Map.of("command", "cat r.txt"), null));

        assertThat(info.result().getJsonObject("structuredContent").getString("conversation"))
                .isEqualTo("mcp-session/" + stale);
        assertThat(read.result().getJsonObject("structuredContent").getString("stdout")).isEqualTo("before\n");
    }

    @Test
    void aSessionIdThatCannotBeOneIsRefused() throws Exception {
        Reply reply = post(Map.of("Mcp-Session-Id", "x".repeat(200)), toolCall("sandbox_info", Map.of(), null));

        assertThat(reply.result().getJsonArray("content").getJsonObject(0).getString("text"))
                .contains("is not a session id").contains("Agentbox-Conversation");
    }

    @Test
    void anUnsupportedProtocolVersionGetsAnErrorListingTheSupportedOnes() throws Exception {
        Reply reply = post(Map.of("MCP-Protocol-Version", "2026-07-28", McpSession.HEADER, "compat-new"),
                toolCall("sandbox_info", Map.of(), null));

        assertThat(reply.status()).isEqualTo(400);
        JsonObject error = reply.body().getJsonObject("error");
        assertThat(error.getInteger("code")).isEqualTo(-32600);
        assertThat(error.getString("message")).contains("not 2026-07-28").contains("initialize");
        assertThat(error.getJsonObject("data").getJsonArray("supported")).contains("2025-11-25", "2025-03-26");
        assertThat(error.getJsonObject("data").getString("requested")).isEqualTo("2026-07-28");
    }

    @Test
    void aPostWithoutTheAcceptPairIsToldWhichHeaderToSend() throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(mcp.toURI())
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(toolCall("sandbox_info", Map.of(), null).encode()))
                .build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(new JsonObject(response.body()).getJsonObject("error").getString("message"))
                .contains("Accept: application/json, text/event-stream").contains("sent 'application/json'");
    }

    @Test
    void aGetWithoutASessionIsToldWhatGetIsFor() throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(mcp.toURI()).header("Accept",
                "text/event-stream").GET().build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(405);
        assertThat(new JsonObject(response.body()).getJsonObject("error").getString("message"))
                .contains("Mcp-Session-Id");
    }

    @Test
    void aStreamForASessionTheServerDoesNotKnowIsToldToInitializeAgain() throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(mcp.toURI())
                .header("Accept", "text/event-stream").header("Mcp-Session-Id", "no-such-session").GET().build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(new JsonObject(response.body()).getJsonObject("error").getString("message"))
                .contains("no-such-session is unknown").contains("initialize again")
                .contains("Agentbox-Conversation");
    }

    private static MultiMap headers(String conversation) {
        return MultiMap.caseInsensitiveMultiMap().add(McpSession.HEADER, McpSession.key(conversation));
    }

    private static ToolResponse call(McpTestClient<?, ?> client, String tool, Map<String, Object> args) {
        AtomicReference<ToolResponse> response = new AtomicReference<>();
        client.when().toolsCall(tool, args, response::set).thenAssertResults();
        return response.get();
    }

    private static String text(ToolResponse response) {
        return ((TextContent) response.content().get(0)).text();
    }

    private static JsonObject toolCall(String tool, Map<String, Object> args, Map<String, Object> meta) {
        JsonObject params = new JsonObject().put("name", tool).put("arguments", new JsonObject(args));
        if (meta != null) {
            params.put("_meta", new JsonObject(meta));
        }
        return new JsonObject().put("jsonrpc", "2.0").put("id", 1).put("method", "tools/call").put("params", params);
    }

    /** An HTTP reply to one JSON-RPC message: the status and the JSON-RPC response (from JSON or an SSE stream). */
    record Reply(int status, JsonObject body) {
        JsonObject result() {
            assertThat(body.containsKey("result")).as("a result in " + body.encode()).isTrue();
            return body.getJsonObject("result");
        }
    }

    private Reply post(Map<String, String> headers, JsonObject message) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(mcp.toString()))
                .header("Content-Type", "application/json").header("Accept", ACCEPT).timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(message.encode()));
        headers.forEach(request::header);
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        String body = response.body();
        if (response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream")) {
            body = body.lines().filter(l -> l.startsWith("data:")).map(l -> l.substring(5).trim())
                    .filter(d -> d.contains("\"id\"")).reduce((a, b) -> b).orElse("{}");
        }
        return new Reply(response.statusCode(), new JsonObject(body));
    }
}
