package dev.agentbox.examples.langchain4j;

import java.time.Duration;

import dev.langchain4j.model.anthropic.AnthropicChatModel;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.googleai.GoogleAiGeminiChatModel;
import dev.langchain4j.model.ollama.OllamaChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;

/**
 * Builds the chat model the settings name. Building one sends nothing; the first request goes out when the agent
 * runs.
 */
public final class ChatModels {

    private static final Duration TIMEOUT = Duration.ofMinutes(3);

    private ChatModels() {
    }

    /**
     * @throws IllegalArgumentException when the provider is unknown or its API key is missing
     */
    public static ChatModel fromSettings(Settings settings) {
        return switch (settings.provider()) {
            case "openai" -> OpenAiChatModel.builder().apiKey(apiKey(settings, "OPENAI_API_KEY"))
                    .baseUrl(settings.baseUrl().orElse(null)).modelName(settings.model().orElse("gpt-4.1-mini"))
                    .timeout(TIMEOUT).build();
            case "anthropic" -> AnthropicChatModel.builder().apiKey(apiKey(settings, "ANTHROPIC_API_KEY"))
                    .baseUrl(settings.baseUrl().orElse(null))
                    .modelName(settings.model().orElse("claude-sonnet-4-5")).maxTokens(4096).timeout(TIMEOUT).build();
            case "gemini" -> GoogleAiGeminiChatModel.builder().apiKey(apiKey(settings, "GEMINI_API_KEY"))
                    .modelName(settings.model().orElse("gemini-2.5-flash")).timeout(TIMEOUT).build();
            case "ollama" -> OllamaChatModel.builder().baseUrl(settings.baseUrl().orElse("http://localhost:11434"))
                    .modelName(settings.model().orElse("qwen2.5-coder:7b")).timeout(TIMEOUT).build();
            default -> throw new IllegalArgumentException("Unknown model provider '" + settings.provider()
                    + "': set AGENT_PROVIDER to openai (or any OpenAI-compatible API with AGENT_BASE_URL), "
                    + "anthropic, gemini or ollama.");
        };
    }

    private static String apiKey(Settings settings, String variable) {
        return settings.apiKey().orElseThrow(() -> new IllegalArgumentException("The " + settings.provider()
                + " provider needs an API key: set AGENT_API_KEY or " + variable + "."));
    }
}
