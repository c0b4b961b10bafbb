package dev.agentbox.files;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbox.McpSession;
import io.quarkiverse.mcp.server.ToolResponse;
import io.vertx.core.json.JsonObject;

/**
 * Assertions on tool errors as the agent sees them.
 */
public final class FileToolsAssertions {

    private FileToolsAssertions() {
    }

    /**
     * Asserts an {@code isError} result with the reason code and a message that names the offending value.
     */
    public static void assertError(ToolResponse response, String reason, String messagePart) {
        assertThat(response.isError()).as("isError of %s", McpSession.text(response)).isTrue();
        JsonObject error = McpSession.structured(response);
        assertThat(error.getString("reason")).isEqualTo(reason);
        assertThat(error.getString("message")).contains(messagePart);
        assertThat(McpSession.text(response)).startsWith(reason + ": ");
    }
}
