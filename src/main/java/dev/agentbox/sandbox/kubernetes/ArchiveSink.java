package dev.agentbox.sandbox.kubernetes;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Writes an exec's standard output to a file off the I/O thread, one message at a time: the next is read from the
 * stream only once the last is written. Past the limit it keeps nothing more and only drains.
 */
final class ArchiveSink implements ExecChannel.Sink {

    private final FileChannel out;
    private final long limit;
    private final Executor worker;
    private final AtomicLong written = new AtomicLong();
    private final AtomicReference<IOException> failure = new AtomicReference<>();
    private volatile boolean tooLarge;
    private volatile CompletableFuture<Void> last = CompletableFuture.completedFuture(null);

    ArchiveSink(FileChannel out, long limit, Executor worker) {
        this.out = out;
        this.limit = limit;
        this.worker = worker;
    }

    @Override
    public void accept(ByteBuffer bytes, Runnable more) {
        byte[] copy = new byte[bytes.remaining()];
        bytes.get(copy);
        last = CompletableFuture.runAsync(() -> {
            try {
                write(copy);
            } finally {
                more.run();
            }
        }, worker);
    }

    private void write(byte[] bytes) {
        if (failure.get() != null || tooLarge) {
            return;
        }
        if (written.get() + bytes.length > limit) {
            tooLarge = true;
            return;
        }
        try {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                out.write(buffer);
            }
            written.addAndGet(bytes.length);
        } catch (IOException e) {
            failure.set(e);
        }
    }

    CompletableFuture<Void> drained() {
        return last;
    }

    long written() {
        return written.get();
    }

    boolean tooLarge() {
        return tooLarge;
    }

    IOException failure() {
        return failure.get();
    }
}
