package dev.agentbox.sandbox.kubernetes;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Splits what the pod-side scripts ({@link PodScripts}) print into items. Each item is one header line, a tag
 * letter and space-separated fields, optionally followed by a payload whose length the fields give:
 * <ul>
 * <li>{@code S}: the exec's record is in place and its supervisor is being started</li>
 * <li>{@code E <text>}: the request could not be carried out</li>
 * <li>{@code K}: keep-alive, ignored</li>
 * <li>{@code X <n>} + n bytes: an exit record (n = 0: none)</li>
 * <li>{@code O <total> <head capacity> <tail capacity> <h> <r>} + h + r bytes: a capture file's used regions</li>
 * <li>{@code L <n>} + n bytes: the end of the helper's log</li>
 * <li>{@code J <id> <state> <n>} + n bytes: an exec record ({@code exec.json}) and its state</li>
 * <li>{@code T <stdout bytes> <stderr bytes>}: output totals of a running exec</li>
 * <li>{@code R <state>}, {@code H <status>}: state of an exec, exit status of the helper</li>
 * <li>{@code Z}: the end of the reply</li>
 * </ul>
 * Anything else means the reply is corrupt (for example a record removed while it was read), and the parser fails.
 */
final class ReplyParser {

    /** A parsed item: its tag, its fields and its payload (empty when it has none). */
    record Item(char tag, String[] fields, byte[] data) {

        String field(int i) {
            return fields[i];
        }

        long number(int i) {
            return Long.parseLong(fields[i]);
        }

        String text() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    private static final int MAX_HEADER = 4096;
    private static final long MAX_PAYLOAD = 64L << 20;

    private final Consumer<Item> items;
    private final ByteArrayOutputStream header = new ByteArrayOutputStream();
    private Item pending;
    private byte[] payload;
    private int filled;
    private boolean ended;
    private RuntimeException failure;

    ReplyParser(Consumer<Item> items) {
        this.items = items;
    }

    /** Feeds bytes as they arrive; never blocks. */
    void feed(ByteBuffer bytes) {
        while (bytes.hasRemaining() && failure == null && !ended) {
            if (pending != null) {
                int n = Math.min(bytes.remaining(), payload.length - filled);
                bytes.get(payload, filled, n);
                filled += n;
                if (filled == payload.length) {
                    emit(new Item(pending.tag, pending.fields, payload));
                }
                continue;
            }
            byte b = bytes.get();
            if (b != '\n') {
                if (header.size() >= MAX_HEADER) {
                    failure = new IllegalStateException("a reply line from the pod is longer than " + MAX_HEADER);
                    return;
                }
                header.write(b);
                continue;
            }
            String line = header.toString(StandardCharsets.UTF_8);
            header.reset();
            try {
                start(line);
            } catch (RuntimeException e) {
                failure = new IllegalStateException("unexpected reply from the pod: '" + shorten(line) + "'", e);
            }
        }
    }

    private void start(String line) {
        if (line.isEmpty()) {
            throw new IllegalArgumentException("empty line");
        }
        char tag = line.charAt(0);
        String[] fields = line.length() > 2 ? line.substring(2).split(" ", -1) : new String[0];
        long length = switch (tag) {
            case 'X', 'L' -> Long.parseLong(fields[0]);
            case 'J' -> Long.parseLong(fields[2]);
            case 'O' -> Long.parseLong(fields[3]) + Long.parseLong(fields[4]);
            case 'S', 'E', 'K', 'T', 'R', 'H', 'Z' -> 0;
            default -> throw new IllegalArgumentException("unknown tag " + tag);
        };
        if (tag == 'E') {
            fields = new String[] { line.length() > 2 ? line.substring(2) : "" };
        }
        if (length < 0 || length > MAX_PAYLOAD) {
            throw new IllegalArgumentException("payload of " + length + " bytes");
        }
        Item item = new Item(tag, fields, new byte[0]);
        if (length == 0) {
            emit(item);
        } else {
            pending = item;
            payload = new byte[(int) length];
            filled = 0;
        }
    }

    private void emit(Item item) {
        pending = null;
        payload = null;
        if (item.tag() == 'K') {
            return;
        }
        if (item.tag() == 'Z') {
            ended = true;
        }
        items.accept(item);
    }

    /**
     * @return whether the end marker was seen
     */
    boolean ended() {
        return ended;
    }

    /**
     * @return why the reply could not be parsed, or {@code null}
     */
    RuntimeException failure() {
        return failure;
    }

    private static String shorten(String line) {
        return line.length() > 80 ? line.substring(0, 80) + "..." : line;
    }
}
