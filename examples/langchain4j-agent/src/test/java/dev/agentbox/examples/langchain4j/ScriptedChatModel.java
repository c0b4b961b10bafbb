package dev.agentbox.examples.langchain4j;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;

/**
 * A chat model that plays a script instead of calling a provider: each turn is a function from the request (the
 * conversation so far and the tools on offer) to the model's reply, a tool call or a final answer. It lets the test
 * run the whole agent loop, LangChain4j's MCP client and agentbox's tools included, without a network or a real
 * model. Every request is kept for the test to inspect.
 */
final class ScriptedChatModel implements ChatModel {

    private final List<Function<ChatRequest, AiMessage>> turns;
    private final List<ChatRequest> requests = new ArrayList<>();

    @SafeVarargs
    ScriptedChatModel(Function<ChatRequest, AiMessage>... turns) {
        this.turns = List.of(turns);
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
        requests.add(request);
        if (requests.size() > turns.size()) {
            throw new IllegalStateException("The script has " + turns.size() + " turns; the agent asked for more");
        }
        return ChatResponse.builder().aiMessage(turns.get(requests.size() - 1).apply(request)).build();
    }

    List<ChatRequest> requests() {
        return requests;
    }

    /** @return the text of the last tool result in the request, as the model would read it */
    static String lastToolResult(ChatRequest request) {
        List<ChatMessage> messages = request.messages();
        ChatMessage last = messages.get(messages.size() - 1);
        if (!(last instanceof ToolExecutionResultMessage result)) {
            throw new AssertionError("Expected a tool result last, got " + last);
        }
        return result.text();
    }
}
