package dev.agentbox.sandbox.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.agentbox.sandbox.CapturedOutput;

/**
 * Reads capture files laid out as the exec helper writes them (docs/exec-helper.md), written here by a reference
 * writer that follows the same layout.
 */
class CaptureFileTest {

    @TempDir
    Path dir;

    @Test
    void aStreamShorterThanTheHeadIsReadWhole() throws IOException {
        Path file = write("hello\n", 16, 8);

        CapturedOutput output = CaptureFile.read(file);

        assertThat(text(output.head())).isEqualTo("hello\n");
        assertThat(output.tail()).isEmpty();
        assertThat(output.droppedBytes()).isZero();
    }

    @Test
    void aStreamThatFitsHeadAndTailIsOneContiguousText() throws IOException {
        Path file = write("0123456789abcdefXYZ", 16, 8);

        CapturedOutput output = CaptureFile.read(file);

        assertThat(text(output.head())).isEqualTo("0123456789abcdefXYZ");
        assertThat(output.droppedBytes()).isZero();
    }

    @Test
    void aLongStreamKeepsItsHeadAndItsLastBytesAcrossTheRingWrap() throws IOException {
        StringBuilder stream = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            stream.append((char) ('a' + i % 26));
        }
        Path file = write(stream.toString(), 16, 10);

        CapturedOutput output = CaptureFile.read(file);

        assertThat(text(output.head())).isEqualTo(stream.substring(0, 16));
        assertThat(text(output.tail())).isEqualTo(stream.substring(990));
        assertThat(output.totalBytes()).isEqualTo(1000);
        assertThat(output.droppedBytes()).isEqualTo(1000 - 16 - 10);
    }

    @Test
    void aFileTheHelperHasNotInitialisedYetReadsAsNoOutput() throws IOException {
        Files.createFile(dir.resolve("empty"));

        assertThat(CaptureFile.read(dir.resolve("empty")).totalBytes()).isZero();
    }

    @Test
    void aMissingFileIsReportedSoThatTheMovedRecordCanBeRead() {
        assertThatThrownBy(() -> CaptureFile.read(dir.resolve("missing"))).isInstanceOf(NoSuchFileException.class);
    }

    /** Writes a stream the way the helper does: head region first, then a ring for everything after it. */
    private Path write(String stream, int head, int tail) throws IOException {
        byte[] data = stream.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer file = ByteBuffer.allocate(32 + head + tail).order(ByteOrder.LITTLE_ENDIAN);
        file.put("ABCAPT1\n".getBytes(StandardCharsets.US_ASCII)).putLong(data.length).putLong(head).putLong(tail);
        for (int i = 0; i < data.length; i++) {
            int at = i < head ? 32 + i : 32 + head + (i - head) % tail;
            file.put(at, data[i]);
        }
        Path path = dir.resolve("capture");
        Files.write(path, file.array());
        return path;
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.US_ASCII);
    }
}
