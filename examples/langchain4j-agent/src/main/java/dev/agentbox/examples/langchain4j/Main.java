package dev.agentbox.examples.langchain4j;

import dev.langchain4j.mcp.client.McpClient;

/**
 * Solves the coding task given as arguments with a model from the settings (see {@link Settings}) and agentbox's
 * tools, and prints the agent's answer. For example:
 *
 * <pre>
 * AGENT_PROVIDER=anthropic ANTHROPIC_API_KEY=... mvn -q compile exec:java \
 *     -Dexec.args="Write fizzbuzz.py for 1 to 15 and run it"
 * </pre>
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        String task = args.length > 0 ? String.join(" ", args)
                : "Write a Python script primes.py that prints the primes below 50, run it, and show its output.";
        Settings settings = Settings.load();
        System.err.printf("agentbox %s, conversation %s, model provider %s%n", settings.mcpUrl(),
                settings.conversation(), settings.provider());
        try (McpClient agentbox = Agentbox.connect(settings.mcpUrl(), settings.conversation())) {
            CodingAgent agent = Agentbox.agent(ChatModels.fromSettings(settings), agentbox, settings.maxToolCalls());
            System.out.println(agent.solve(task));
        }
    }
}
