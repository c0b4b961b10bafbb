package dev.agentbox.sandbox.local;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import dev.agentbox.sandbox.CapturedOutput;

/**
 * Reads the bounded output files the exec helper writes: a header with the stream's total size, the first bytes,
 * and a ring of the last bytes (layout in {@code docs/exec-helper.md}). Safe to read while the helper still writes;
 * a reader then sees a consistent prefix of the total.
 */
final class CaptureFile {

    private static final byte[] MAGIC = "ABCAPT1\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final int HEADER = 32;

    private CaptureFile() {
    }

    /**
     * @param file the capture file; a file not yet initialised reads as empty
     * @return the kept head and tail of the stream
     * @throws java.nio.file.NoSuchFileException when the file does not exist
     */
    static CapturedOutput read(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer header = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
            if (channel.read(header, 0) < HEADER || !hasMagic(header)) {
                return CapturedOutput.EMPTY;
            }
            long total = header.getLong(8);
            long headCapacity = header.getLong(16);
            long tailCapacity = header.getLong(24);

            int headLength = (int) Math.min(total, headCapacity);
            byte[] head = readAt(channel, HEADER, headLength);
            long tailLength = Math.min(Math.max(total - headCapacity, 0), tailCapacity);
            byte[] tail = readRing(channel, HEADER + headCapacity, tailCapacity, total - headCapacity - tailLength,
                    (int) tailLength);
            if (headLength + tailLength == total) {
                // Nothing was dropped: one contiguous stream.
                return new CapturedOutput(concat(head, tail), new byte[0], total);
            }
            return new CapturedOutput(head, tail, total);
        }
    }

    private static boolean hasMagic(ByteBuffer header) {
        for (int i = 0; i < MAGIC.length; i++) {
            if (header.get(i) != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    /** Reads {@code length} ring bytes starting at logical ring index {@code start}, wrapping at the capacity. */
    private static byte[] readRing(FileChannel channel, long ringOffset, long capacity, long start, int length)
            throws IOException {
        byte[] out = new byte[length];
        if (length == 0) {
            return out;
        }
        long first = start % capacity;
        int firstPart = (int) Math.min(length, capacity - first);
        System.arraycopy(readAt(channel, ringOffset + first, firstPart), 0, out, 0, firstPart);
        if (firstPart < length) {
            System.arraycopy(readAt(channel, ringOffset, length - firstPart), 0, out, firstPart, length - firstPart);
        }
        return out;
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
