package dev.agentbox.toolcall;

/**
 * One argument of a tool.
 *
 * @param name the wire name, snake_case
 * @param type {@code String.class}, {@code Integer.class}, {@code Long.class}, {@code Boolean.class}, or
 *        {@code List.class} for an array of strings
 * @param required whether calls must give it
 * @param description what it means, its default and its limits
 */
public record ToolParam(String name, Class<?> type, boolean required, String description) {

    public static ToolParam required(String name, Class<?> type, String description) {
        return new ToolParam(name, type, true, description);
    }

    public static ToolParam optional(String name, Class<?> type, String description) {
        return new ToolParam(name, type, false, description);
    }

    /**
     * @return the JSON Schema type name
     */
    public String jsonType() {
        if (type == Integer.class || type == Long.class) {
            return "integer";
        }
        if (type == java.util.List.class) {
            return "array";
        }
        return type == Boolean.class ? "boolean" : "string";
    }
}
