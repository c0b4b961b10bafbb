package dev.agentbox.toolcall;

/**
 * The successful result of a tool call.
 * <p>
 * Implementations are records: serialized as JSON they are the structured content (MCP) and the response body
 * (REST); {@link #text()} is what a model reads.
 */
public interface ToolResult {

    /**
     * @return the result rendered for a model: concise, complete, with any truncation stated
     */
    String text();

    /**
     * @return the exit code of the command the call ran, or {@code null} when it ran none (or it has not ended)
     */
    default Integer exitCode() {
        return null;
    }
}
