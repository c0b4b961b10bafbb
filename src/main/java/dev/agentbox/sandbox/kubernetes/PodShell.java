package dev.agentbox.sandbox.kubernetes;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import io.fabric8.kubernetes.client.http.HttpClient;
import io.vertx.core.Context;

/**
 * Runs {@link PodScripts} programs in one sandbox pod, each as an exec through {@link ExecChannel}, and parses their
 * replies.
 */
final class PodShell {

    private final HttpClient http;
    private final String masterUrl;
    private final String namespace;
    private final String pod;
    private final Duration timeout;

    PodShell(HttpClient http, String masterUrl, String namespace, String pod, Duration timeout) {
        this.http = http;
        this.masterUrl = masterUrl;
        this.namespace = namespace;
        this.pod = pod;
        this.timeout = timeout;
    }

    String pod() {
        return pod;
    }

    /** A program whose reply is being streamed. */
    record Stream(ExecChannel channel, ReplyParser parser) {
    }

    /**
     * Starts a program and hands each reply item to {@code items} as it arrives, on an I/O thread.
     *
     * @param program the program ({@link PodScripts})
     * @param data the bytes it reads from stdin after itself
     */
    Stream stream(String program, byte[] data, Consumer<ReplyParser.Item> items) {
        AtomicReference<ExecChannel> opened = new AtomicReference<>();
        ReplyParser parser = new ReplyParser(item -> {
            items.accept(item);
            if (item.tag() == 'Z' && opened.get() != null) {
                // The reply is complete; the program is about to exit. No need to wait for the server's close.
                opened.get().close();
            }
        });
        ExecChannel channel = ExecChannel.open(http, uri(), payload(program, data), parser::feed, timeout);
        opened.set(channel);
        if (parser.ended()) {
            channel.close();
        }
        return new Stream(channel, parser);
    }

    /**
     * Starts a program whose standard output is raw data rather than a reply (a workspace archive), taken with flow
     * control; more input can follow through {@link ExecChannel#send} once the channel is open.
     */
    ExecChannel raw(String program, ExecChannel.Sink stdout) {
        return ExecChannel.open(http, uri(), payload(program, new byte[0]), stdout, timeout);
    }

    /**
     * Runs a short program and collects its whole reply, within the API timeout.
     *
     * @return the reply's items; fails with {@link PodCallException} when the pod cannot be reached, is gone, or
     *         the reply is cut short or malformed
     */
    CompletableFuture<List<ReplyParser.Item>> run(String program, byte[] data) {
        List<ReplyParser.Item> items = new ArrayList<>();
        Stream stream = stream(program, data, items::add);
        return stream.channel().ended().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .handle((ending, failure) -> {
                    if (failure != null) {
                        stream.channel().close();
                        throw failure instanceof TimeoutException
                                ? new PodCallException("no answer from pod " + pod + " within " + timeout.toSeconds()
                                        + " s", false, failure)
                                : PodCallException.of(pod, failure);
                    }
                    check(stream, ending);
                    return List.copyOf(items);
                });
    }

    /**
     * Runs a short program and waits for its reply; for the SPI's synchronous methods, on worker threads only.
     */
    List<ReplyParser.Item> call(String program) {
        if (Context.isOnEventLoopThread()) {
            throw new IllegalStateException("A blocking exec into pod " + pod + " was asked for on an event-loop "
                    + "thread; the caller must move to a worker thread");
        }
        try {
            return run(program, new byte[0]).get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PodCallException("interrupted while waiting for pod " + pod, false, e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof PodCallException p ? p : PodCallException.of(pod, e.getCause());
        } catch (TimeoutException e) {
            throw new PodCallException("no answer from pod " + pod + " within " + timeout.toSeconds() + " s", false, e);
        }
    }

    /** Fails unless the reply was complete and well-formed. */
    static void check(Stream stream, ExecChannel.Ending ending) {
        if (stream.parser().failure() != null) {
            throw new PodCallException("the pod's reply could not be read: " + stream.parser().failure().getMessage(),
                    false, stream.parser().failure());
        }
        if (stream.parser().ended()) {
            return;
        }
        if (ending.failure() != null) {
            throw new PodCallException(PodCallException.describe(ending.failure()),
                    ending.failure() instanceof ExecChannel.ExecRefusedException r && r.code() == 404, ending.failure());
        }
        String stderr = ending.stderr().isBlank() ? "" : " (" + ending.stderr().strip() + ")";
        throw new PodCallException("the exec stream ended before the reply was complete"
                + (ending.exitCode() != null ? ", status " + ending.exitCode() : "") + stderr, false, null);
    }

    private URI uri() {
        return ExecChannel.uri(masterUrl, namespace, pod, PodTemplates.CONTAINER, PodScripts.BOOT);
    }

    private static byte[] payload(String program, byte[] data) {
        byte[] script = program.getBytes(StandardCharsets.UTF_8);
        byte[] header = (script.length + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] payload = new byte[header.length + script.length + data.length];
        System.arraycopy(header, 0, payload, 0, header.length);
        System.arraycopy(script, 0, payload, header.length, script.length);
        System.arraycopy(data, 0, payload, header.length + script.length, data.length);
        return payload;
    }
}
