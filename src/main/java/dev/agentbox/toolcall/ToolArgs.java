package dev.agentbox.toolcall;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A tool call's arguments, checked against the tool's parameters: no unknown names, every required one present, each
 * of its declared type. Read them with the typed getters.
 */
public final class ToolArgs {

    private final Map<String, ?> values;

    private ToolArgs(Map<String, ?> values) {
        this.values = values;
    }

    /**
     * @throws ToolFailure {@code INVALID_ARGUMENT} naming the offending argument
     */
    static ToolArgs check(String tool, List<ToolParam> params, Map<String, ?> raw) {
        Map<String, ?> values = raw == null ? Map.of() : raw;
        for (String name : values.keySet()) {
            if (params.stream().noneMatch(p -> p.name().equals(name))) {
                throw ToolFailure.invalid("Unknown argument '" + name + "' for " + tool + "; it takes "
                        + params.stream().map(ToolParam::name).collect(Collectors.joining(", ")) + ".");
            }
        }
        for (ToolParam param : params) {
            Object value = values.get(param.name());
            if (value == null) {
                if (param.required()) {
                    throw ToolFailure.invalid("Missing required argument '" + param.name() + "' for " + tool + ": "
                            + param.description());
                }
                continue;
            }
            if (!fits(param.type(), value)) {
                throw ToolFailure.invalid("Argument '" + param.name() + "' must be " + article(param.jsonType())
                        + ", not " + describe(value) + quotesHint(param, value) + ".");
            }
        }
        return new ToolArgs(values);
    }

    /** @return the string argument, or {@code null} when absent */
    public String string(String name) {
        return (String) values.get(name);
    }

    /** @return the integer argument, or {@code null} when absent */
    public Integer integer(String name) {
        Object value = values.get(name);
        return value == null ? null : ((Number) value).intValue();
    }

    /** @return the integer argument as a long (for byte offsets past 2 GiB), or {@code null} when absent */
    public Long longInteger(String name) {
        Object value = values.get(name);
        return value == null ? null : ((Number) value).longValue();
    }

    /** @return the array-of-strings argument, or an empty list when absent */
    public List<String> strings(String name) {
        Object value = values.get(name);
        List<String> strings = new java.util.ArrayList<>();
        if (value != null) {
            ((Iterable<?>) value).forEach(item -> strings.add((String) item));
        }
        return List.copyOf(strings);
    }

    /** @return the boolean argument, or {@code fallback} when absent */
    public boolean flag(String name, boolean fallback) {
        Object value = values.get(name);
        return value == null ? fallback : (Boolean) value;
    }

    private static boolean fits(Class<?> type, Object value) {
        if (type == List.class) {
            // JSON arrays arrive as lists (REST) or as Vert.x JSON arrays (MCP); both are iterable.
            if (!(value instanceof Iterable<?> items)) {
                return false;
            }
            for (Object item : items) {
                if (!(item instanceof String)) {
                    return false;
                }
            }
            return true;
        }
        if (type == Long.class) {
            return value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte
                    || value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
                            && Math.abs(n.doubleValue()) < 9.0e15;
        }
        if (type == Integer.class) {
            if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
                return true;
            }
            if (value instanceof Long l) {
                return l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE;
            }
            return value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
                    && Math.abs(n.doubleValue()) <= Integer.MAX_VALUE;
        }
        return type.isInstance(value);
    }

    /** Models often quote numbers and booleans; say so when the string would have been right without quotes. */
    private static String quotesHint(ToolParam param, Object value) {
        if (!(value instanceof String text)) {
            return "";
        }
        String plain = text.strip();
        boolean wouldFit = param.type() == Boolean.class ? plain.equals("true") || plain.equals("false")
                : (param.type() == Integer.class || param.type() == Long.class) && plain.matches("-?\\d{1,15}");
        return wouldFit ? "; send " + plain + " without quotes" : "";
    }

    private static String article(String jsonType) {
        if (jsonType.equals("array")) {
            return "an array of strings";
        }
        return (jsonType.startsWith("i") || jsonType.startsWith("a") ? "an " : "a ") + jsonType;
    }

    private static String describe(Object value) {
        String type = value instanceof String text ? "the string '" + (text.length() > 40 ? text.substring(0, 40)
                + "..." : text) + "'"
                : value instanceof Boolean ? "a boolean"
                        : value instanceof Number ? "the number " + value
                                : value instanceof Map ? "an object"
                                        : value instanceof Iterable ? "an array"
                                                : value.getClass().getSimpleName();
        return type;
    }
}
