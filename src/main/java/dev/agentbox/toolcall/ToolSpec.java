package dev.agentbox.toolcall;

import java.util.List;

import io.smallrye.mutiny.Uni;

/**
 * A tool as both surfaces offer it: its name, what it tells a model, its arguments and what it does. Defined once per
 * tool by its feature; the MCP and REST adapters only carry it to the wire.
 *
 * @param name the wire name, snake_case
 * @param title a short human-readable title
 * @param description what the tool does, its defaults and its limits
 * @param params the arguments
 * @param readOnly whether the tool leaves the sandbox unchanged
 * @param handler what a call does
 */
public record ToolSpec(String name, String title, String description, List<ToolParam> params, boolean readOnly,
        Handler handler) {

    public ToolSpec {
        params = List.copyOf(params);
    }

    /**
     * What a call of the tool does.
     */
    @FunctionalInterface
    public interface Handler {

        /**
         * @param call the caller's conversation, progress and cancellation
         * @param args the arguments, checked against the tool's parameters
         * @return the result; failures the agent can act on are {@link ToolFailure}s
         */
        Uni<? extends ToolResult> call(CallContext call, ToolArgs args);
    }

    /**
     * @return the JSON Schema of the arguments, as MCP's {@code inputSchema} and the REST listing show it
     */
    public java.util.Map<String, Object> inputSchema() {
        java.util.Map<String, Object> properties = new java.util.LinkedHashMap<>();
        List<String> required = new java.util.ArrayList<>();
        for (ToolParam param : params) {
            properties.put(param.name(), param.type() == List.class
                    ? java.util.Map.of("type", "array", "items", java.util.Map.of("type", "string"), "description",
                            param.description())
                    : java.util.Map.of("type", param.jsonType(), "description", param.description()));
            if (param.required()) {
                required.add(param.name());
            }
        }
        return java.util.Map.of("type", "object", "properties", properties, "required", required,
                "additionalProperties", false);
    }

    /**
     * Checks raw arguments against the parameters and runs the tool.
     *
     * @param call the caller's conversation, progress and cancellation
     * @param raw the arguments as decoded from JSON
     */
    public Uni<? extends ToolResult> call(CallContext call, java.util.Map<String, ?> raw) {
        return Uni.createFrom().deferred(() -> handler.call(call, ToolArgs.check(name, params, raw)));
    }
}
