package dev.agentbox.toolcall;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A failure of a tool call that the agent can act on: a reason code and one sentence naming the offending value.
 * <p>
 * Both surfaces turn it into an error result ({@code isError: true} over MCP, a 4xx/5xx JSON body over REST). The
 * optional {@code details} carry what the agent still needs to see with the error, for example the exit code and the
 * output a timed-out command produced before it was killed.
 */
public final class ToolFailure extends RuntimeException {

    private final Reason reason;
    private final transient Object details;

    public ToolFailure(Reason reason, String message) {
        this(reason, message, null);
    }

    public ToolFailure(Reason reason, String message, Object details) {
        super(message, null, false, false);
        this.reason = reason;
        this.details = details;
    }

    public Reason reason() {
        return reason;
    }

    /**
     * @return the structured data that goes with the error, or {@code null}
     */
    public Object details() {
        return details;
    }

    /**
     * @return the structured form of this failure: {@code reason}, {@code message} and, when present, {@code details}
     */
    public Map<String, Object> asStructured() {
        // In this order, so that a person reading curl's output sees the reason first.
        Map<String, Object> structured = new LinkedHashMap<>();
        structured.put("reason", reason.name());
        structured.put("message", getMessage());
        if (details != null) {
            structured.put("details", details);
        }
        return structured;
    }

    public static ToolFailure invalid(String message) {
        return new ToolFailure(Reason.INVALID_ARGUMENT, message);
    }

    public static ToolFailure tooLarge(String message) {
        return new ToolFailure(Reason.INPUT_TOO_LARGE, message);
    }

    public static ToolFailure notFound(String message) {
        return new ToolFailure(Reason.NOT_FOUND, message);
    }
}
