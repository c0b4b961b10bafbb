package dev.agentbox.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URL;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.agentbox.McpSession;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.exception.ToolExecutionException;
import dev.langchain4j.mcp.client.DefaultMcpClient;
import dev.langchain4j.mcp.client.McpClient;
import dev.langchain4j.mcp.client.transport.http.StreamableHttpMcpTransport;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;

/**
 * A LangChain4j application's view: the real {@code langchain4j-mcp} client over Streamable HTTP, sending the
 * conversation key as a custom header.
 */
@QuarkusTest
class LangChain4jClientTest {

    @TestHTTPResource("/mcp")
    URL mcpUrl;

    @Test
    void aLangChain4jClientListsAndCallsTheTools() throws Exception {
        StreamableHttpMcpTransport transport = StreamableHttpMcpTransport.builder().url(mcpUrl.toString())
                .customHeaders(Map.of(McpSession.HEADER, McpSession.key("langchain4j")))
                .timeout(Duration.ofSeconds(30)).build();
        try (McpClient client = new DefaultMcpClient.Builder().key("agentbox").transport(transport)
                .toolExecutionTimeout(Duration.ofSeconds(30)).build()) {

            assertThat(client.listTools().stream().map(ToolSpecification::name)).contains("bash", "write_file",
                    "read_file", "edit_file", "list_files", "search_files", "sandbox_info");

            String written = client.executeTool(ToolExecutionRequest.builder().name("write_file")
                    .arguments("{\"path\": \"hello.py\", \"content\": \"print('hello from python')\\n\"}").build())
                    .resultText();
            String ran = client.executeTool(ToolExecutionRequest.builder().name("bash")
                    .arguments("{\"command\": \"python3 hello.py\"}").build()).resultText();
            ToolExecutionRequest outside = ToolExecutionRequest.builder().name("read_file")
                    .arguments("{\"path\": \"/etc/shadow\"}").build();

            // The client hands the structured content to the model, and raises tool errors as exceptions that an AI
            // service turns into a message for the model.
            assertThat(new JsonObject(written).getString("path")).isEqualTo("/workspace/hello.py");
            assertThat(new JsonObject(ran).getString("stdout")).isEqualTo("hello from python\n");
            assertThatThrownBy(() -> client.executeTool(outside)).isInstanceOf(ToolExecutionException.class)
                    .hasMessageContaining("PATH_OUTSIDE_WORKSPACE").hasMessageContaining("/etc/shadow");
        }
    }
}
