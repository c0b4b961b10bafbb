package dev.agentbox.examples.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.langchain4j.model.anthropic.AnthropicChatModel;
import dev.langchain4j.model.googleai.GoogleAiGeminiChatModel;
import dev.langchain4j.model.ollama.OllamaChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;

/**
 * The model provider comes from configuration. Building a model sends nothing, so every provider is checked here
 * without a network.
 */
class SettingsTest {

    private static Settings settings(Map<String, String> properties, Map<String, String> environment) {
        return Settings.load(properties::get, environment::get);
    }

    @Test
    void eachProviderBuildsItsModel() {
        assertThat(ChatModels.fromSettings(settings(Map.of(), Map.of("OPENAI_API_KEY", "k"))))
                .isInstanceOf(OpenAiChatModel.class);
        assertThat(ChatModels.fromSettings(settings(Map.of("agent.provider", "anthropic"),
                Map.of("ANTHROPIC_API_KEY", "k")))).isInstanceOf(AnthropicChatModel.class);
        assertThat(ChatModels.fromSettings(settings(Map.of(), Map.of("AGENT_PROVIDER", "gemini", "AGENT_API_KEY",
                "k")))).isInstanceOf(GoogleAiGeminiChatModel.class);
        assertThat(ChatModels.fromSettings(settings(Map.of(), Map.of("AGENT_PROVIDER", "ollama"))))
                .isInstanceOf(OllamaChatModel.class);
    }

    @Test
    void systemPropertiesWinOverTheEnvironmentAndDefaultsFillTheRest() {
        Settings settings = settings(Map.of("agentbox.mcp-url", "http://127.0.0.1:9090/mcp", "agent.model", "m1"),
                Map.of("AGENTBOX_MCP_URL", "http://elsewhere/mcp", "AGENT_BASE_URL", "http://127.0.0.1:8000/v1"));

        assertThat(settings.mcpUrl()).isEqualTo("http://127.0.0.1:9090/mcp");
        assertThat(settings.model()).contains("m1");
        assertThat(settings.baseUrl()).contains("http://127.0.0.1:8000/v1");
        assertThat(settings.provider()).isEqualTo("openai");
        assertThat(settings.conversation()).startsWith("langchain4j-");
        assertThat(settings.maxToolCalls()).isEqualTo(30);
    }

    @Test
    void aMissingKeyOrAnUnknownProviderSaysWhatToSet() {
        assertThatThrownBy(() -> ChatModels.fromSettings(settings(Map.of("agent.provider", "anthropic"), Map.of())))
                .hasMessageContaining("ANTHROPIC_API_KEY");
        assertThatThrownBy(() -> ChatModels.fromSettings(settings(Map.of("agent.provider", "mistral"), Map.of())))
                .hasMessageContaining("'mistral'").hasMessageContaining("openai");
    }
}
