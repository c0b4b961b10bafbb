package dev.agentbox.sandbox.local;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.agentbox.sandbox.SandboxException;

/**
 * Talks to the sandboxes' exec servers (see "The exec server" in {@code docs/exec-helper.md}): one connection per
 * exec carries the request and, at the end, the exit line. One selector thread waits on every open connection, so a
 * running exec holds a socket, not a thread.
 */
final class ExecServerClient implements Closeable {

    private static final Logger LOG = Logger.getLogger(ExecServerClient.class);
    private static final int MAX_REQUEST = 1 << 20;

    private final ObjectMapper json;
    private final Selector selector;
    private final Queue<Connection> pending = new ConcurrentLinkedQueue<>();
    private final Thread thread;

    ExecServerClient(ObjectMapper json) throws IOException {
        this.json = json;
        this.selector = Selector.open();
        this.thread = new Thread(this::loop, "agentbox-exec-server-io");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Sends an exec request to a sandbox's exec server.
     *
     * @param socket the server's socket
     * @param runArguments the options of the helper's {@code run}, without {@code --ns-pid}
     * @return a future that completes when the server has written the exit record and closed the connection; it
     *         fails with {@link SandboxException} when the server refused the request
     * @throws IOException when the server cannot be reached (the caller may fall back to spawning the helper)
     */
    CompletableFuture<Void> submit(Path socket, List<String> runArguments) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(socket));
            ByteArrayOutputStream payload = new ByteArrayOutputStream();
            for (String argument : runArguments) {
                payload.writeBytes(argument.getBytes(StandardCharsets.UTF_8));
                payload.write(0);
            }
            if (payload.size() > MAX_REQUEST) {
                throw new IOException("exec request of " + payload.size() + " bytes is over the server's limit");
            }
            ByteBuffer request = ByteBuffer.allocate(4 + payload.size()).order(ByteOrder.LITTLE_ENDIAN);
            request.putInt(payload.size()).put(payload.toByteArray()).flip();
            while (request.hasRemaining()) {
                channel.write(request);
            }
            channel.configureBlocking(false);
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        Connection connection = new Connection(channel);
        pending.add(connection);
        selector.wakeup();
        return connection.done;
    }

    private void loop() {
        try {
            while (selector.isOpen()) {
                selector.select();
                for (Connection connection; (connection = pending.poll()) != null;) {
                    connection.channel.register(selector, SelectionKey.OP_READ, connection);
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    ((Connection) key.attachment()).read(key);
                }
                selector.selectedKeys().clear();
            }
        } catch (ClosedSelectorException e) {
            LOG.debug("Exec server connections closed");
        } catch (IOException | RuntimeException e) {
            LOG.errorf(e, "The exec server connection loop failed; execs fall back to spawning the helper");
        }
    }

    @Override
    public void close() throws IOException {
        selector.close();
    }

    /** One exec's connection: collects the lines the supervisor sends until it closes the connection. */
    private final class Connection {

        private final SocketChannel channel;
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();
        private final ByteBuffer buffer = ByteBuffer.allocate(4096);
        private final CompletableFuture<Void> done = new CompletableFuture<>();

        Connection(SocketChannel channel) {
            this.channel = channel;
        }

        void read(SelectionKey key) {
            try {
                int n;
                while ((n = channel.read(buffer.clear())) > 0) {
                    // Only a few short lines ever come; bound it anyway.
                    if (received.size() < 64 * 1024) {
                        received.write(buffer.array(), 0, n);
                    }
                }
                if (n < 0) {
                    finish(key);
                }
            } catch (IOException e) {
                // A reset after an error line, or the sandbox going away: what was received decides.
                finish(key);
            }
        }

        private void finish(SelectionKey key) {
            key.cancel();
            try {
                channel.close();
            } catch (IOException e) {
                LOG.debugf("Closing an exec connection failed [cause: %s]", e.getMessage());
            }
            for (String line : received.toString(StandardCharsets.UTF_8).split("\n")) {
                JsonNode message = parse(line);
                if (message != null && message.hasNonNull("error")) {
                    String error = message.get("error").asText();
                    done.completeExceptionally(error.startsWith("sandbox is gone")
                            ? SandboxException.lost("The sandbox stopped before the command could start")
                            : SandboxException.unavailable("The sandbox's exec server refused the command: " + error,
                                    null));
                    return;
                }
            }
            // The supervisor closes after the exit line, or dies without one: the record tells which.
            done.complete(null);
        }

        private JsonNode parse(String line) {
            try {
                return line.isBlank() ? null : json.readTree(line);
            } catch (IOException e) {
                return null;
            }
        }
    }
}
