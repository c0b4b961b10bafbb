package dev.agentbox.sandbox;

/**
 * What was kept of one output stream: its first bytes, its last bytes and how many were produced in all.
 * <p>
 * When nothing was dropped, {@code tail} is empty and {@code head} holds the whole stream.
 *
 * @param head the leading bytes
 * @param tail the trailing bytes that follow a gap, or empty when there is no gap
 * @param totalBytes how many bytes the stream produced
 */
public record CapturedOutput(byte[] head, byte[] tail, long totalBytes) {

    public static final CapturedOutput EMPTY = new CapturedOutput(new byte[0], new byte[0], 0);

    /**
     * @return how many bytes between head and tail were not kept
     */
    public long droppedBytes() {
        return totalBytes - head.length - tail.length;
    }
}
