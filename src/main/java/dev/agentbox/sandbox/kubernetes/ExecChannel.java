package dev.agentbox.sandbox.kubernetes;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.WebSocket;
import io.fabric8.kubernetes.client.http.WebSocketHandshakeException;

/**
 * One exec into a pod over the Kubernetes exec API: a WebSocket upgrade of
 * {@code GET /api/v1/namespaces/N/pods/P/exec} speaking {@code v4.channel.k8s.io} (each message is a channel byte and
 * a payload: 0 stdin, 1 stdout, 2 stderr, 3 the final status). It goes through the fabric8 client's own HTTP client,
 * so authentication, TLS and retries are those of every other API call, and nothing blocks: stdout arrives on the
 * client's I/O thread as it comes, and {@link #ended()} completes when the stream is over.
 * <p>
 * Note: v4 has no way to close stdin alone (kubernetes/kubernetes#89899), so every command run this way must end by
 * itself: the pod-side scripts read exactly the number of stdin bytes they are told. Writes are cut into chunks of
 * {@value #CHUNK} bytes because fabric8 sends each write as one frame, which some servers (fabric8's mock among
 * them) refuse above 64 KiB.
 */
final class ExecChannel implements WebSocket.Listener {

    static final int CHUNK = 32 * 1024;
    private static final int MAX_STDERR = 8 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * How an exec stream ended.
     *
     * @param exitCode the exit code from the status channel, or {@code null} when no status came
     * @param stderr the first bytes of the command's standard error
     * @param failure why the stream broke, or {@code null} when it closed normally
     */
    record Ending(Integer exitCode, String stderr, Throwable failure) {
    }

    /**
     * Receives standard output with flow control: no further message is read from the stream until {@code more}
     * runs, so a slow receiver holds the sender back instead of filling memory.
     */
    interface Sink {
        void accept(ByteBuffer bytes, Runnable more);
    }

    private final Sink stdout;
    private final byte[] stdin;
    private final CompletableFuture<Void> opened = new CompletableFuture<>();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    private final CompletableFuture<Ending> ended = new CompletableFuture<>();
    private volatile WebSocket socket;
    private volatile Integer exitCode;
    private volatile String statusMessage;

    private ExecChannel(byte[] stdin, Sink stdout) {
        this.stdin = stdin;
        this.stdout = stdout;
    }

    /**
     * Starts an exec; returns at once.
     *
     * @param http the Kubernetes client's HTTP client
     * @param target the exec URL ({@link #uri})
     * @param stdin what to write to the command's stdin once the stream is open
     * @param stdout receives standard output as it arrives, serially, on an I/O thread: it must not block
     * @param connectTimeout how long the upgrade may take
     * @return the channel, whose {@link #ended()} reports the outcome
     */
    static ExecChannel open(HttpClient http, URI target, byte[] stdin, Consumer<ByteBuffer> stdout,
            Duration connectTimeout) {
        return open(http, target, stdin, (bytes, more) -> {
            stdout.accept(bytes);
            more.run();
        }, connectTimeout);
    }

    /**
     * Starts an exec whose standard output is taken with flow control; returns at once.
     *
     * @see #open(HttpClient, URI, byte[], Consumer, Duration)
     */
    static ExecChannel open(HttpClient http, URI target, byte[] stdin, Sink stdout, Duration connectTimeout) {
        ExecChannel channel = new ExecChannel(stdin, stdout);
        http.newWebSocketBuilder().subprotocol("v4.channel.k8s.io").uri(target)
                .connectTimeout(connectTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .buildAsync(channel)
                .whenComplete((ws, failure) -> {
                    if (failure != null) {
                        channel.ended.complete(new Ending(null, "", handshakeFailure(failure)));
                    }
                });
        return channel;
    }

    /**
     * @return the exec URL for a command, with stdin, stdout and stderr attached
     */
    static URI uri(String masterUrl, String namespace, String pod, String container, List<String> command) {
        StringBuilder url = new StringBuilder(masterUrl.endsWith("/") ? masterUrl : masterUrl + "/")
                .append("api/v1/namespaces/").append(namespace).append("/pods/").append(pod).append("/exec?");
        for (String argument : command) {
            url.append("command=").append(encode(argument)).append('&');
        }
        url.append("container=").append(encode(container)).append("&stdin=true&stdout=true&stderr=true");
        return URI.create(url.toString());
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /**
     * @return completes (never exceptionally) when the stream has ended, however it ended
     */
    CompletableFuture<Ending> ended() {
        return ended;
    }

    /**
     * @return completes once the stream is open and the initial stdin is queued; never completes when the stream
     *         could not be opened (see {@link #ended()})
     */
    CompletableFuture<Void> opened() {
        return opened;
    }

    /**
     * Queues more bytes for the command's standard input, after the initial ones. Call only after {@link #opened()}.
     *
     * @return whether the stream took them (false once it is closing or closed)
     */
    boolean send(byte[] bytes, int offset, int length) {
        WebSocket ws = socket;
        for (int at = 0; at < length; at += CHUNK) {
            int n = Math.min(CHUNK, length - at);
            ByteBuffer frame = ByteBuffer.allocate(n + 1).put((byte) 0).put(bytes, offset + at, n).flip();
            if (ws == null || ended.isDone() || !ws.send(frame)) {
                return false;
            }
        }
        return true;
    }

    /**
     * @return bytes queued for sending and not yet written to the connection
     */
    long queued() {
        WebSocket ws = socket;
        return ws == null ? 0 : ws.queueSize();
    }

    /** Closes the stream from this side; the command in the pod is not killed by this. */
    void close() {
        WebSocket ws = socket;
        if (ws != null) {
            ws.sendClose(1000, "done");
        }
        ended.complete(new Ending(exitCode, stderrText(), null));
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        socket = webSocket;
        for (int at = 0; at < stdin.length; at += CHUNK) {
            int n = Math.min(CHUNK, stdin.length - at);
            ByteBuffer frame = ByteBuffer.allocate(n + 1).put((byte) 0).put(stdin, at, n).flip();
            webSocket.send(frame);
        }
        opened.complete(null);
    }

    @Override
    public void onMessage(WebSocket webSocket, ByteBuffer bytes) {
        if (bytes.remaining() > 1 && bytes.get(bytes.position()) == 1) {
            bytes.get();
            // The sink asks for the next message itself, once it has taken this one.
            stdout.accept(bytes, webSocket::request);
            return;
        }
        try {
            if (!bytes.hasRemaining()) {
                return;
            }
            byte channel = bytes.get();
            if (!bytes.hasRemaining()) {
                return;
            }
            switch (channel) {
                case 2 -> keepStderr(bytes);
                case 3 -> status(bytes);
                default -> {
                    // resize acknowledgements and unknown channels carry nothing we use
                }
            }
        } finally {
            webSocket.request();
        }
    }

    @Override
    public void onMessage(WebSocket webSocket, String text) {
        onMessage(webSocket, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public void onClose(WebSocket webSocket, int code, String reason) {
        ended.complete(new Ending(exitCode, stderrText(), exitCode == null && statusMessage != null
                ? new IllegalStateException(statusMessage)
                : null));
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        ended.complete(new Ending(exitCode, stderrText(), error));
    }

    private synchronized void keepStderr(ByteBuffer bytes) {
        int n = Math.min(bytes.remaining(), MAX_STDERR - stderr.size());
        if (n > 0) {
            byte[] chunk = new byte[n];
            bytes.get(chunk);
            stderr.writeBytes(chunk);
        }
    }

    private synchronized String stderrText() {
        return stderr.toString(StandardCharsets.UTF_8);
    }

    /** The final status: {@code Success}, or a failure with an {@code ExitCode} cause, or an error message. */
    private void status(ByteBuffer bytes) {
        byte[] raw = new byte[bytes.remaining()];
        bytes.get(raw);
        try {
            JsonNode status = JSON.readTree(raw);
            if ("Success".equals(status.path("status").asText())) {
                exitCode = 0;
                return;
            }
            for (JsonNode cause : status.path("details").path("causes")) {
                if ("ExitCode".equals(cause.path("reason").asText())) {
                    exitCode = Integer.parseInt(cause.path("message").asText());
                    return;
                }
            }
            statusMessage = status.path("message").asText("the exec ended with status " + status);
        } catch (java.io.IOException | RuntimeException e) {
            statusMessage = "the exec ended with an unreadable status";
        }
    }

    private static Throwable handshakeFailure(Throwable failure) {
        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause()
                : failure;
        if (cause instanceof WebSocketHandshakeException handshake && handshake.getResponse() != null) {
            String body;
            try {
                body = JSON.readTree(handshake.getResponse().bodyString()).path("message").asText("");
            } catch (java.io.IOException | RuntimeException e) {
                body = "";
            }
            return new ExecRefusedException(handshake.getResponse().code(), body, cause);
        }
        return cause;
    }

    /** The API server refused the exec upgrade, for example because the pod is gone (404). */
    static final class ExecRefusedException extends RuntimeException {

        private final int code;

        ExecRefusedException(int code, String message, Throwable cause) {
            super("the API server refused the exec (HTTP " + code + (message.isEmpty() ? "" : ": " + message) + ")",
                    cause);
            this.code = code;
        }

        int code() {
            return code;
        }
    }
}
