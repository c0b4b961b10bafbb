package dev.agentbox.contract;

import static dev.agentbox.files.FileToolsAssertions.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import dev.agentbox.McpSession;
import io.vertx.core.json.JsonObject;

/**
 * Which conversation a call lands in, on every backend: the header first, then {@code _meta}, then the MCP session.
 */

abstract class RoutingContract {

    @Test
    void twoClientsWithTheSameKeyShareAWorkspace() {
        try (McpSession first = McpSession.open("routing-shared"); McpSession second = McpSession.open("routing-shared")) {
            first.sh("echo from-first > shared.txt");

            assertThat(second.sh("cat shared.txt")).isEqualTo("from-first\n");
        }
    }

    @Test
    void theMetaKeyIsUsedWithoutAHeader() {
        String key = McpSession.key("routing-meta");
        try (McpSession first = McpSession.openWithoutKey(); McpSession second = McpSession.openWithoutKey()) {
            first.callWithMeta("bash", Map.of("command", "echo via-meta > m.txt"),
                    Map.of("dev.agentbox/conversation", key));

            JsonObject result = McpSession.structured(second.callWithMeta("bash", Map.of("command", "cat m.txt"),
                    Map.of("dev.agentbox/conversation", key)));
            assertThat(result.getString("stdout")).isEqualTo("via-meta\n");
        }
    }

    @Test
    void theHeaderWinsOverTheMetaKey() {
        try (McpSession mcp = McpSession.open("routing-header-wins")) {
            JsonObject info = McpSession.structured(mcp.callWithMeta("sandbox_info", Map.of(),
                    Map.of("dev.agentbox/conversation", "something-else")));

            assertThat(info.getString("conversation")).isEqualTo(McpSession.key("routing-header-wins"));
        }
    }

    @Test
    void withoutAKeyEachMcpSessionIsItsOwnConversation() {
        try (McpSession first = McpSession.openWithoutKey(); McpSession second = McpSession.openWithoutKey()) {
            first.sh("echo mine > session.txt");

            assertThat(second.bash("cat session.txt 2>&1").getString("stdout")).contains("No such file");
            assertThat(McpSession.structured(first.call("sandbox_info", Map.of())).getString("conversation"))
                    .isEqualTo("mcp-session/" + first.client().mcpSessionId());
        }
    }

    @Test
    void malformedKeysAreRefusedWithAClearError() {
        try (McpSession mcp = McpSession.openWithoutKey()) {
            assertError(mcp.callWithMeta("bash", Map.of("command", "true"),
                    Map.of("dev.agentbox/conversation", "../../etc")), "INVALID_ARGUMENT", "'../../etc'");
            assertError(mcp.callWithMeta("bash", Map.of("command", "true"),
                    Map.of("dev.agentbox/conversation", "x".repeat(129))), "INVALID_ARGUMENT", "129 characters");
            assertError(mcp.callWithMeta("bash", Map.of("command", "true"),
                    Map.of("dev.agentbox/conversation", "mcp-session/forged")), "INVALID_ARGUMENT",
                    "letters, digits");
            assertError(mcp.callWithMeta("bash", Map.of("command", "true"),
                    Map.of("dev.agentbox/conversation", "tab\there")), "INVALID_ARGUMENT", "tab\\u0009here");
        }
    }

    @Test
    void concurrentFirstCallsOfOneConversationCreateExactlyOneSandbox() throws Exception {
        String name = "routing-race";
        ExecutorService pool = Executors.newFixedThreadPool(12);
        try {
            List<CompletableFuture<String>> sandboxIds = IntStream.range(0, 12)
                    .mapToObj(i -> CompletableFuture.supplyAsync(() -> {
                        try (McpSession mcp = McpSession.open(name)) {
                            return McpSession.structured(mcp.call("sandbox_info", Map.of())).getString("sandbox_id");
                        }
                    }, pool)).toList();

            List<String> ids = sandboxIds.stream().map(CompletableFuture::join).distinct().toList();
            assertThat(ids).hasSize(1);
            try (McpSession mcp = McpSession.open(name)) {
                String conversationId = McpSession.structured(mcp.call("sandbox_info", Map.of()))
                        .getString("conversation_id");
                assertThat(sandboxesMadeFor(conversationId)).hasSize(1);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * @return what the backend made on the host or cluster for the conversation's sandboxes (cgroups, pods)
     */
    protected abstract List<String> sandboxesMadeFor(String conversationId) throws Exception;
}
