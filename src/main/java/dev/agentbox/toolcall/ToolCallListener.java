package dev.agentbox.toolcall;

/**
 * Is told of every tool call once it has ended, before its answer leaves the server. Every CDI bean implementing
 * this is called, on the thread that completes the call: keep it short and never throw.
 */
public interface ToolCallListener {

    /**
     * @param record the call and how it ended
     */
    void completed(ToolCallRecord record);
}
