package dev.agentbox.toolcall;

/**
 * Decides whether a tool call may start (rate limits, concurrency, a working audit log). Every CDI bean implementing
 * this is asked, in {@link #order()}; a refusal is a {@link ToolFailure} that becomes the call's outcome.
 */
public interface ToolCallGate {

    /**
     * @param tool the tool's name
     * @param call the caller's conversation
     * @return what to run once the call has ended (to give back what it took); never {@code null}
     * @throws ToolFailure when the call may not start
     */
    Runnable admit(String tool, CallContext call);

    /**
     * @return when this gate is asked, lowest first
     */
    default int order() {
        return 100;
    }
}
