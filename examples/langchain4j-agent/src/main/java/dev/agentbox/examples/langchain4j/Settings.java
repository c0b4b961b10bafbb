package dev.agentbox.examples.langchain4j;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The example's configuration, from system properties ({@code -Dagent.provider=...}) or environment variables
 * ({@code AGENT_PROVIDER=...}), the former winning.
 *
 * @param mcpUrl {@code agentbox.mcp-url} / {@code AGENTBOX_MCP_URL}: the MCP endpoint; default
 *        {@code http://127.0.0.1:8080/mcp}
 * @param conversation {@code agentbox.conversation} / {@code AGENTBOX_CONVERSATION}: the conversation key; default a new
 *        one per run
 * @param provider {@code agent.provider} / {@code AGENT_PROVIDER}: {@code openai} (any OpenAI-compatible API),
 *        {@code anthropic}, {@code gemini} or {@code ollama}; default {@code openai}
 * @param model {@code agent.model} / {@code AGENT_MODEL}: the model name; each provider has a default
 * @param apiKey {@code agent.api-key} / {@code AGENT_API_KEY}, else the provider's usual variable
 *        ({@code OPENAI_API_KEY}, {@code ANTHROPIC_API_KEY}, {@code GEMINI_API_KEY}); Ollama needs none
 * @param baseUrl {@code agent.base-url} / {@code AGENT_BASE_URL}: the API's address, for OpenAI-compatible servers
 *        and Ollama (default {@code http://localhost:11434}); empty for the provider's own
 * @param maxToolCalls {@code agent.max-tool-calls} / {@code AGENT_MAX_TOOL_CALLS}: default 30
 */
public record Settings(String mcpUrl, String conversation, String provider, Optional<String> model,
        Optional<String> apiKey, Optional<String> baseUrl, int maxToolCalls) {

    private static final Map<String, String> KEY_VARIABLES = Map.of("openai", "OPENAI_API_KEY", "anthropic",
            "ANTHROPIC_API_KEY", "gemini", "GEMINI_API_KEY");

    /** Reads the settings from the system properties and the environment of this process. */
    public static Settings load() {
        return load(System.getProperties()::getProperty, System.getenv()::get);
    }

    /** Reads the settings from the given sources (tests pass maps). */
    public static Settings load(Source properties, Source environment) {
        Source setting = name -> Optional.ofNullable(properties.get(name.toLowerCase(Locale.ROOT)
                .replaceFirst("_", ".").replace('_', '-'))).or(() -> Optional.ofNullable(environment.get(name)))
                .filter(v -> !v.isBlank()).orElse(null);
        String provider = Optional.ofNullable(setting.get("AGENT_PROVIDER")).orElse("openai")
                .toLowerCase(Locale.ROOT);
        Optional<String> apiKey = Optional.ofNullable(setting.get("AGENT_API_KEY"))
                .or(() -> Optional.ofNullable(KEY_VARIABLES.get(provider)).map(environment::get));
        return new Settings(Optional.ofNullable(setting.get("AGENTBOX_MCP_URL")).orElse("http://127.0.0.1:8080/mcp"),
                Optional.ofNullable(setting.get("AGENTBOX_CONVERSATION"))
                        .orElse("langchain4j-" + UUID.randomUUID().toString().substring(0, 8)),
                provider, Optional.ofNullable(setting.get("AGENT_MODEL")), apiKey,
                Optional.ofNullable(setting.get("AGENT_BASE_URL")),
                Integer.parseInt(Optional.ofNullable(setting.get("AGENT_MAX_TOOL_CALLS")).orElse("30")));
    }

    /** A place settings come from: a name in, a value (or {@code null}) out. */
    @FunctionalInterface
    public interface Source {
        String get(String name);
    }
}
