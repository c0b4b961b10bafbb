package dev.agentbox.shell;

import java.nio.ByteBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import dev.agentbox.sandbox.CapturedOutput;

/**
 * Turns captured output into text for a model: bytes that are not UTF-8 become U+FFFD, and text over a budget keeps
 * its head and tail around a note that says how much was cut.
 */
public final class OutputText {

    private OutputText() {
    }

    /**
     * The text of one stream, cut to a budget.
     *
     * @param text the full decoded text
     * @param cut whether some of it was cut
     */
    record Rendered(String text, boolean cut) {
    }

    /**
     * @param output the captured stream
     * @param budget the most characters to return (the note excluded)
     * @param name the stream's name for the note ("stdout")
     */
    static Rendered render(CapturedOutput output, int budget, String name) {
        String head = decode(output.head());
        String tail = decode(output.tail());
        long droppedBytes = output.droppedBytes();
        if (droppedBytes == 0 && head.length() <= budget) {
            return new Rendered(head, false);
        }
        String whole = droppedBytes == 0 ? head : null;
        int keepHead = budget / 2;
        int keepTail = budget - keepHead;
        String first = whole != null ? whole.substring(0, keepHead) : head.substring(0, Math.min(keepHead, head.length()));
        String lastSource = whole != null ? whole : tail;
        String last = lastSource.substring(Math.max(0, lastSource.length() - keepTail));
        long cutChars = whole != null ? whole.length() - first.length() - last.length()
                : head.length() - first.length() + tail.length() - last.length();
        String note = "\n[... " + name + " cut here: "
                + (droppedBytes > 0 ? String.format("%,d bytes not kept and ", droppedBytes) : "")
                + String.format("%,d characters not shown", cutChars) + " of "
                + String.format("%,d bytes", output.totalBytes()) + " in all ...]\n";
        return new Rendered(first + note + last, true);
    }

    /** Decodes UTF-8, replacing malformed input instead of failing. */
    public static String decode(byte[] bytes) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        try {
            return decoder.decode(ByteBuffer.wrap(bytes)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalStateException("A replacing decoder does not throw", e);
        }
    }
}
