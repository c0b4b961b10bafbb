package dev.agentbox.examples.langchain4j;

import java.time.Duration;
import java.util.Map;

import dev.langchain4j.mcp.McpToolProvider;
import dev.langchain4j.mcp.client.DefaultMcpClient;
import dev.langchain4j.mcp.client.McpClient;
import dev.langchain4j.mcp.client.transport.http.StreamableHttpMcpTransport;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.tool.ToolErrorHandlerResult;

/**
 * Connects LangChain4j to an agentbox server: an MCP client over Streamable HTTP that names its conversation in the
 * {@code Agentbox-Conversation} header, and a {@link CodingAgent} that uses the server's tools.
 */
public final class Agentbox {

    /** The header that names the conversation: calls with the same key share one sandbox and workspace. */
    public static final String CONVERSATION_HEADER = "Agentbox-Conversation";

    private Agentbox() {
    }

    /**
     * @param mcpUrl the server's MCP endpoint, for example {@code http://127.0.0.1:8080/mcp}
     * @param conversation the conversation key: letters, digits and {@code . _ : -}
     * @return a connected client; close it when done
     */
    public static McpClient connect(String mcpUrl, String conversation) {
        StreamableHttpMcpTransport transport = StreamableHttpMcpTransport.builder().url(mcpUrl)
                .customHeaders(Map.of(CONVERSATION_HEADER, conversation)).timeout(Duration.ofMinutes(2)).build();
        // bash waits up to 40 s for a command before it hands back a job id, so allow well over that.
        return new DefaultMcpClient.Builder().key("agentbox").transport(transport)
                .toolExecutionTimeout(Duration.ofMinutes(2)).build();
    }

    /**
     * @return an agent that may call every tool of the server, at most {@code maxToolCalls} times in a row
     */
    public static CodingAgent agent(ChatModel model, McpClient agentbox, int maxToolCalls) {
        return AiServices.builder(CodingAgent.class).chatModel(model)
                .toolProvider(McpToolProvider.builder().mcpClients(agentbox).build())
                .chatMemory(MessageWindowChatMemory.withMaxMessages(100))
                .maxSequentialToolsInvocations(maxToolCalls)
                // A tool error (isError: true) carries agentbox's reason code and one sentence saying what to do;
                // the model reads it as the tool's result and acts on it.
                .toolExecutionErrorHandler((error, context) -> ToolErrorHandlerResult.text(error.getMessage()))
                .build();
    }
}
