package dev.agentbox.toolcall;

import java.util.List;

/**
 * How a tool call ended, as both surfaces render it: a result or a failure the agent can act on, plus notices the
 * agent should read first (for example that its previous sandbox was stopped).
 *
 * @param result the result, or {@code null} on failure
 * @param failure the failure, or {@code null} on success
 * @param notices what to tell the agent besides
 */
public record ToolOutcome(ToolResult result, ToolFailure failure, List<String> notices) {

    public ToolOutcome {
        notices = List.copyOf(notices);
    }

    public boolean isError() {
        return failure != null;
    }

    /**
     * @return the text a model reads: notices, then the result or the reason code and message (with the details
     *         that came with the failure)
     */
    public String text() {
        StringBuilder text = new StringBuilder();
        notices.forEach(n -> text.append("Note: ").append(n).append('\n'));
        if (failure == null) {
            return text.append(result.text()).toString();
        }
        text.append(failure.reason()).append(": ").append(failure.getMessage());
        if (failure.details() instanceof ToolResult details) {
            text.append('\n').append(details.text());
        }
        return text.toString();
    }

    /**
     * @return what goes into the structured content (MCP) or the body (REST)
     */
    public Object structured() {
        return failure == null ? result : failure.asStructured();
    }
}
