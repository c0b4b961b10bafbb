package dev.agentbox.examples.langchain4j;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The packaged agentbox server (built by the main project, {@code -Dagentbox.jar}) run as a process on a free
 * loopback port, with state under {@code target/} and a cgroup parent, runtime directory and uid range of its own
 * ({@code -Dagentbox.test.id}, {@code -Dagentbox.test.uid-base}: 1000 uids from base + 62000). It needs root, as
 * agentbox's local sandboxes do.
 */
final class AgentboxServer implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Process process;
    private final int port;
    private final Path log;
    private final Path runtime;
    private final String cgroupParent;

    private AgentboxServer(Process process, int port, Path log, Path runtime, String cgroupParent) {
        this.process = process;
        this.port = port;
        this.log = log;
        this.runtime = runtime;
        this.cgroupParent = cgroupParent;
    }

    static AgentboxServer start() throws Exception {
        Path jar = Path.of(System.getProperty("agentbox.jar", "../../target/quarkus-app/quarkus-run.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("No packaged agentbox at " + jar.toAbsolutePath() + ": run "
                    + "'mvn package -DskipTests' in the repository root first, or pass -Dagentbox.jar=...");
        }
        String testId = System.getProperty("agentbox.test.id", "test");
        long uidBase = Long.parseLong(System.getProperty("agentbox.test.uid-base", "2000000")) + 62000;
        Path state = Path.of("target/agentbox-state").toAbsolutePath();
        Path runtime = Path.of("/dev/shm/agentbox-langchain4j-" + testId);
        Path log = Path.of("target/agentbox-server.log");
        String cgroupParent = "agentbox-langchain4j-" + testId;
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Process process = new ProcessBuilder(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Dquarkus.http.host=127.0.0.1", "-Dquarkus.http.port=" + port, "-Dagentbox.local.state-dir=" + state,
                "-Dagentbox.local.runtime-dir=" + runtime, "-Dagentbox.local.cgroup-parent=" + cgroupParent,
                "-Dagentbox.local.uid-base=" + uidBase, "-Dagentbox.local.uid-count=1000",
                "-Dagentbox.sandbox.keep-on-shutdown=false", "-Dagentbox.sandbox.adopt-survivors=false", "-jar",
                jar.toString())).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        AgentboxServer server = new AgentboxServer(process, port, log, runtime, cgroupParent);
        server.awaitReady();
        return server;
    }

    private void awaitReady() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            try {
                if (HTTP.send(HttpRequest.newBuilder(URI.create(url("/q/health/ready"))).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notListeningYet) {
                // try again
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("agentbox exited: " + Files.readString(log));
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("agentbox did not become ready: " + Files.readString(log));
    }

    String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    /** Calls a tool over agentbox's REST surface, to look at a conversation from outside the agent. */
    String tool(String conversation, String tool, String jsonArguments) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url("/api/tools/" + tool)))
                .header(Agentbox.CONVERSATION_HEADER, conversation).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(jsonArguments)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        // The server stopped its sandboxes; their parent cgroups are empty now and can go.
        try (var controllers = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path controller : controllers.toList()) {
                try {
                    Files.deleteIfExists(controller.resolve(cgroupParent));
                } catch (IOException notEmpty) {
                    // left for the next run, which uses the same name
                }
            }
        }
        if (Files.exists(runtime)) {
            try (var paths = Files.walk(runtime)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            }
        }
    }
}
