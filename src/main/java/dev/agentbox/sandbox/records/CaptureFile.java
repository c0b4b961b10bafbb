package dev.agentbox.sandbox.records;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import dev.agentbox.sandbox.CapturedOutput;

/**
 * Reads the bounded output files the exec helper writes: a header with the stream's total size, the first bytes,
 * and a ring of the last bytes (layout in {@code docs/exec-helper.md}). Safe to read while the helper still writes;
 * a reader then sees a consistent prefix of the total.
 * <p>
 * A backend that cannot open the file itself (the Kubernetes backend reads it through an exec) fetches the header
 * fields and the used parts of both regions and hands them to {@link #assemble}.
 */
public final class CaptureFile {

    private static final byte[] MAGIC = "ABCAPT1\n".getBytes(StandardCharsets.US_ASCII);
    /** Size of the header: magic, total, head capacity, tail capacity. */
    public static final int HEADER = 32;

    private CaptureFile() {
    }

    /**
     * @param file the capture file; a file not yet initialised reads as empty
     * @return the kept head and tail of the stream
     * @throws java.nio.file.NoSuchFileException when the file does not exist
     */
    public static CapturedOutput read(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer header = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
            if (channel.read(header, 0) < HEADER || !hasMagic(header)) {
                return CapturedOutput.EMPTY;
            }
            long total = header.getLong(8);
            long headCapacity = header.getLong(16);
            long tailCapacity = header.getLong(24);
            byte[] head = readAt(channel, HEADER, headLength(total, headCapacity));
            byte[] ring = readAt(channel, HEADER + headCapacity, ringLength(total, headCapacity, tailCapacity));
            return assemble(total, headCapacity, tailCapacity, head, ring);
        }
    }

    /**
     * @return how many bytes of the head region hold output
     */
    public static int headLength(long total, long headCapacity) {
        return (int) Math.min(total, headCapacity);
    }

    /**
     * @return how many bytes of the ring, counted from the start of its region, hold output
     */
    public static int ringLength(long total, long headCapacity, long tailCapacity) {
        return (int) Math.min(Math.max(total - headCapacity, 0), tailCapacity);
    }

    /**
     * Puts a stream back together from the raw regions of its capture file.
     *
     * @param total how many bytes the stream produced, from the header
     * @param headCapacity the head region's size, from the header
     * @param tailCapacity the ring's size, from the header
     * @param head the first {@link #headLength} bytes of the head region (fewer when the file was cut short)
     * @param ring the first {@link #ringLength} bytes of the ring region, in file order (fewer when cut short)
     * @return the kept head and tail of the stream
     */
    public static CapturedOutput assemble(long total, long headCapacity, long tailCapacity, byte[] head, byte[] ring) {
        int tailLength = ringLength(total, headCapacity, tailCapacity);
        byte[] tail = unwind(ring, tailCapacity, total - headCapacity - tailLength, tailLength);
        if (head.length + tailLength == total) {
            // Nothing was dropped: one contiguous stream.
            return new CapturedOutput(concat(head, tail), new byte[0], total);
        }
        return new CapturedOutput(head, tail, total);
    }

    private static boolean hasMagic(ByteBuffer header) {
        for (int i = 0; i < MAGIC.length; i++) {
            if (header.get(i) != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    /** Takes {@code length} ring bytes starting at logical ring index {@code start}, wrapping at the capacity. */
    private static byte[] unwind(byte[] ring, long capacity, long start, int length) {
        byte[] out = new byte[length];
        if (length == 0) {
            return out;
        }
        int first = (int) (start % capacity);
        int firstPart = (int) Math.min(length, capacity - first);
        copy(ring, first, out, 0, firstPart);
        if (firstPart < length) {
            copy(ring, 0, out, firstPart, length - firstPart);
        }
        return out;
    }

    /** Copies what the source has; what is missing (a region read short) stays zero. */
    private static void copy(byte[] from, int fromPos, byte[] to, int toPos, int length) {
        int available = Math.max(0, Math.min(length, from.length - fromPos));
        System.arraycopy(from, fromPos, to, toPos, available);
    }

    private static byte[] readAt(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, position + buffer.position());
            if (n < 0) {
                // A sparse or short file: the writer has not got there yet. What is missing reads as zeros.
                break;
            }
        }
        return buffer.array();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        if (b.length == 0) {
            return a;
        }
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
