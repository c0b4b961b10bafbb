package dev.agentbox.sandbox.kubernetes.harness;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;

/**
 * One exec into a harness container, answering the WebSocket like a kubelet's streaming server (v4 channel protocol):
 * the command runs for real in the container; stdin messages are written to it; its stdout and stderr go back on
 * channels 1 and 2 as they come; the exit status goes on channel 3, then the socket closes. A client closing the
 * socket is the only end of stdin v4 has. As on a cluster, processes keep running when the client goes away.
 * <p>
 * Every callback runs on a Vert.x event loop, so the process is started and waited for on the harness's executor.
 */
final class ExecSession extends WebSocketListener {

    private static final byte[] EOF = new byte[0];

    private final Containers.Running container;
    private final Containers containers;
    private final List<String> argv;
    private final boolean stdin;
    private final ExecutorService executor;
    private final long dropAfterMillis;
    private final LinkedBlockingQueue<byte[]> input = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> done = new CompletableFuture<>();
    private volatile Process process;
    private volatile boolean dropped;
    private final Faults.InputCut inputCut;
    private boolean inputStopped;
    private long inputBytes;

    /**
     * @param dropAfterMillis break the stream this long after it opened, leaving the process running (a network
     *        fault), or -1
     * @param inputCut where stdin stops reaching the process, or {@code null}
     */
    ExecSession(Containers containers, Containers.Running container, List<String> argv, boolean stdin,
            ExecutorService executor, long dropAfterMillis, Faults.InputCut inputCut) {
        this.inputCut = inputCut;
        this.containers = containers;
        this.container = container;
        this.argv = argv;
        this.stdin = stdin;
        this.executor = executor;
        this.dropAfterMillis = dropAfterMillis;
    }

    @Override
    public void onOpen(WebSocket ws, Response response) {
        if (!stdin) {
            input.add(EOF);
        }
        executor.submit(() -> run(ws));
        if (dropAfterMillis >= 0) {
            CompletableFuture.delayedExecutor(dropAfterMillis, TimeUnit.MILLISECONDS, executor).execute(() -> {
                dropped = true;
                ws.close(1011, "connection dropped by the harness");
            });
        }
    }

    private void run(WebSocket ws) {
        try {
            ProcessBuilder builder = new ProcessBuilder(containers.execCommand(container, argv));
            builder.environment().clear();
            builder.environment().putAll(container.env());
            Process started = builder.start();
            process = started;
            Thread writer = new Thread(() -> writeInput(started.getOutputStream()), "harness-exec-stdin");
            writer.setDaemon(true);
            writer.start();
            Thread out = pump(started.getInputStream(), ws, (byte) 1);
            Thread err = pump(started.getErrorStream(), ws, (byte) 2);
            int exit = started.waitFor();
            out.join(10_000);
            err.join(10_000);
            done.complete(exit);
            if (!dropped) {
                send(ws, (byte) 3, status(exit));
                ws.close(1000, "");
            }
        } catch (IOException | RuntimeException e) {
            done.complete(-1);
            send(ws, (byte) 3, ("{\"metadata\":{},\"status\":\"Failure\",\"message\":\"" + e.getMessage()
                    .replace("\"", "'") + "\",\"reason\":\"InternalError\"}").getBytes(StandardCharsets.UTF_8));
            ws.close(1000, "");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void writeInput(OutputStream stdinStream) {
        try (stdinStream) {
            while (true) {
                byte[] chunk = input.take();
                if (chunk == EOF) {
                    return;
                }
                stdinStream.write(chunk);
                stdinStream.flush();
            }
        } catch (IOException | InterruptedException e) {
            // the process is gone or stopped reading
        }
    }

    private Thread pump(InputStream from, WebSocket ws, byte channel) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[16384];
            try (from) {
                int n;
                while ((n = from.read(buffer)) > 0) {
                    if (!dropped) {
                        send(ws, channel, Arrays.copyOf(buffer, n));
                    }
                }
            } catch (IOException e) {
                // the process's end of the pipe closed
            }
        }, "harness-exec-" + channel);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private static void send(WebSocket ws, byte channel, byte[] data) {
        byte[] frame = new byte[data.length + 1];
        frame[0] = channel;
        System.arraycopy(data, 0, frame, 1, data.length);
        ws.send(frame);
    }

    private static byte[] status(int exit) {
        String json = exit == 0 ? "{\"metadata\":{},\"status\":\"Success\"}"
                : "{\"metadata\":{},\"status\":\"Failure\",\"message\":\"command terminated with non-zero exit code: "
                        + exit + "\",\"reason\":\"NonZeroExitCode\",\"details\":{\"causes\":[{\"reason\":\"ExitCode\","
                        + "\"message\":\"" + exit + "\"}]}}";
        return json.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public synchronized void onMessage(WebSocket ws, byte[] bytes) {
        if (bytes.length <= 1 || bytes[0] != 0 || dropped || inputStopped) {
            return;
        }
        int end = bytes.length;
        if (inputCut != null && inputBytes + bytes.length - 1 >= inputCut.afterBytes()) {
            end = (int) (1 + inputCut.afterBytes() - inputBytes);
            inputStopped = true;
            if (inputCut.dropStream()) {
                dropped = true;
                executor.execute(() -> ws.close(1011, "connection dropped by the harness"));
            }
        }
        inputBytes += end - 1;
        if (end > 1) {
            input.add(Arrays.copyOfRange(bytes, 1, end));
        }
    }

    @Override
    public void onMessage(WebSocket ws, String text) {
        onMessage(ws, text.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void onClosing(WebSocket ws, int code, String reason) {
        input.add(EOF);
        // Hold the close echo until the process has finished (bounded), as a slower kubelet would: fabric8's uploads
        // check the file right after their close completes.
        try {
            done.get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            // a process that keeps running after the client left keeps running, as on a cluster
        }
    }

    @Override
    public void onClosed(WebSocket ws, int code, String reason) {
        input.add(EOF);
    }

    @Override
    public void onFailure(WebSocket ws, Throwable error, Response response) {
        input.add(EOF);
    }
}
