package dev.agentbox.examples.langchain4j;

import static dev.agentbox.examples.langchain4j.ScriptedChatModel.lastToolResult;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.mcp.client.McpClient;

/**
 * The example end to end against a real agentbox (the packaged server, started as a process): LangChain4j's MCP
 * client, the AI service's tool loop and agentbox's tools all run for real. Only the model is scripted
 * ({@link ScriptedChatModel}): it issues the tool calls a model would and reads their results, so the test needs no
 * network and no API key.
 */
class CodingAgentTest {

    private static final String FIZZBUZZ = "for i in range(1, 16):\\n"
            + "    print('FizzBuzz' if i % 15 == 0 else 'Fizz' if i % 3 == 0 else 'Buzz' if i % 5 == 0 else i)\\n";

    private static AgentboxServer server;

    @BeforeAll
    static void startAgentbox() throws Exception {
        server = AgentboxServer.start();
    }

    @AfterAll
    static void stopAgentbox() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void theAgentWritesRunsAndReportsAProgramWithAgentboxsTools() throws Exception {
        String conversation = "langchain4j-fizzbuzz-" + UUID.randomUUID().toString().substring(0, 8);
        ScriptedChatModel model = new ScriptedChatModel(
                request -> call("write_file", "{\"path\": \"fizzbuzz.py\", \"content\": \"" + FIZZBUZZ + "\"}"),
                request -> {
                    assertThat(lastToolResult(request)).contains("/workspace/fizzbuzz.py");
                    return call("bash", "{\"command\": \"python3 fizzbuzz.py | tail -3\"}");
                },
                request -> AiMessage.from("The last lines are: " + lastToolResult(request)));

        String answer;
        try (McpClient agentbox = Agentbox.connect(server.url("/mcp"), conversation)) {
            answer = Agentbox.agent(model, agentbox, 10).solve("Write fizzbuzz.py for 1 to 15 and run it.");
        }

        assertThat(answer).contains("13\\n14\\nFizzBuzz\\n").contains("\"exit_code\":0");
        assertThat(model.requests().get(0).toolSpecifications()).extracting(ToolSpecification::name)
                .contains("bash", "write_file", "read_file", "edit_file", "job_output", "sandbox_info");
        ToolSpecification bash = model.requests().get(0).toolSpecifications().stream()
                .filter(t -> t.name().equals("bash")).findFirst().orElseThrow();
        assertThat(bash.parameters().required()).containsExactly("command");
        // The file is in the conversation's workspace, for anyone who names the same conversation.
        assertThat(server.tool(conversation, "read_file", "{\"path\": \"fizzbuzz.py\"}")).contains("FizzBuzz");
    }

    @Test
    void aToolErrorReachesTheModelAsAResultItCanActOn() throws Exception {
        String conversation = "langchain4j-errors-" + UUID.randomUUID().toString().substring(0, 8);
        ScriptedChatModel model = new ScriptedChatModel(
                request -> call("read_file", "{\"path\": \"/etc/shadow\"}"),
                request -> AiMessage.from("The tool said: " + lastToolResult(request)));

        String answer;
        try (McpClient agentbox = Agentbox.connect(server.url("/mcp"), conversation)) {
            answer = Agentbox.agent(model, agentbox, 10).solve("Show me /etc/shadow.");
        }

        assertThat(answer).contains("PATH_OUTSIDE_WORKSPACE").contains("/etc/shadow");
    }

    private static AiMessage call(String tool, String arguments) {
        return AiMessage.from(ToolExecutionRequest.builder().id(UUID.randomUUID().toString()).name(tool)
                .arguments(arguments).build());
    }
}
