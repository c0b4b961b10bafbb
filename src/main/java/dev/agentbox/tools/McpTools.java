package dev.agentbox.tools;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import dev.agentbox.toolcall.ToolCatalog;
import dev.agentbox.toolcall.ToolSpec;
import io.quarkiverse.mcp.server.ToolManager;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.json.JsonObject;

/**
 * Serves the tool catalog over MCP at {@code /mcp}: each tool is registered with its description, an input schema
 * built from its parameters, and hints (read-only tools are {@code readOnlyHint}, the others
 * {@code destructiveHint}).
 */
@ApplicationScoped
class McpTools {

    private final ToolManager toolManager;
    private final ToolCatalog catalog;
    private final McpCalls calls;

    McpTools(ToolManager toolManager, ToolCatalog catalog, McpCalls calls) {
        this.toolManager = toolManager;
        this.catalog = catalog;
        this.calls = calls;
    }

    void register(@Observes StartupEvent event) {
        for (ToolSpec spec : catalog.tools()) {
            toolManager.newTool(spec.name())
                    .setTitle(spec.title())
                    .setDescription(spec.description())
                    .setInputSchema(new JsonObject(spec.inputSchema()))
                    .setAnnotations(new ToolManager.ToolAnnotations(spec.title(), spec.readOnly(), !spec.readOnly(),
                            spec.readOnly(), false))
                    .setAsyncHandler(args -> calls.call(spec, args))
                    .register();
        }
    }
}
