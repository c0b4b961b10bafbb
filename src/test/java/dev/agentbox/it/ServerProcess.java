package dev.agentbox.it;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.vertx.core.json.JsonObject;

/**
 * The packaged server run as a separate process, so that tests can kill it as a crash would and start it again on
 * the same state.
 */
final class ServerProcess implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Path stateDir;
    private final Path log;
    private final int port;
    private final List<String> extraArgs;
    private final List<String> launcher = new ArrayList<>();
    private Process process;
    private String authorization;

    ServerProcess(Path stateDir, String cgroupParent, String... extraArgs) throws IOException {
        this.stateDir = stateDir;
        this.log = stateDir.resolveSibling(stateDir.getFileName() + ".log");
        try (ServerSocket socket = new ServerSocket(0)) {
            this.port = socket.getLocalPort();
        }
        this.extraArgs = new ArrayList<>(List.of("-Dagentbox.local.cgroup-parent=" + cgroupParent));
        String uidBase = System.getProperty("agentbox.test.uid-base");
        if (uidBase != null) {
            // Parallel test runs of several checkouts must not hand out the same user ids.
            this.extraArgs.add("-Dagentbox.local.uid-base=" + uidBase);
        }
        this.extraArgs.addAll(List.of(extraArgs));
    }

    /**
     * Runs the server under a launcher command that ends by exec'ing its arguments, for example {@code setpriv} to
     * drop root or {@code unshare} into a mount namespace of its own; {@link #pid()} is then still the server's.
     */
    ServerProcess launchedWith(String... command) {
        launcher.addAll(List.of(command));
        return this;
    }

    /** @return the server's process id */
    long pid() {
        return process.pid();
    }

    /** Starts the server and waits until it is ready. */
    void start() throws Exception {
        startAndAwait(200);
    }

    /** Starts the server and waits until its readiness check answers, with the given status. */
    void startAndAwait(int readiness) throws Exception {
        List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Dquarkus.http.port=" + port, "-Dagentbox.local.state-dir=" + stateDir,
                "-Dagentbox.local.runtime-dir=" + runtimeDir(stateDir)));
        command.addAll(extraArgs);
        command.addAll(List.of("-jar", System.getProperty("agentbox.jar", "target/quarkus-app/quarkus-run.jar")));
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (HTTP.send(HttpRequest.newBuilder(uri("/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == readiness) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("The server exited: " + Files.readString(log));
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("The server did not become ready: " + Files.readString(log));
    }

    private static Path runtimeDir(Path stateDir) {
        return Path.of("/dev/shm/agentbox-it-" + System.getProperty("agentbox.test.id", "test") + "-"
                + stateDir.getParent().getFileName());
    }

    /** Removes the runtime directory a server on this state used (a tmpfs outlives the test otherwise). */
    static void deleteRuntime(Path stateDir) throws IOException {
        Path runtime = runtimeDir(stateDir);
        if (Files.exists(runtime)) {
            try (var paths = Files.walk(runtime)) {
                for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            }
        }
    }

    /** Kills the server with SIGKILL, as a crash or an OOM kill of the JVM would. */
    void crash() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** Sends {@code Authorization: Bearer <key>} with every later request ({@code null}: none). */
    void authenticateWith(String apiKey) {
        this.authorization = apiKey == null ? null : "Bearer " + apiKey;
    }

    /** Calls a tool over REST in a conversation; returns the status code and the JSON body. */
    Response tool(String conversation, String tool, Map<String, Object> arguments) throws Exception {
        return tool(conversation, Map.of(), tool, arguments);
    }

    /** Calls a tool over REST in a conversation with further headers; returns the status code and the JSON body. */
    Response tool(String conversation, Map<String, String> headers, String tool, Map<String, Object> arguments)
            throws Exception {
        HttpRequest.Builder request = authorized(HttpRequest.newBuilder(uri("/api/tools/" + tool)))
                .header("Agentbox-Conversation", conversation).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(new JsonObject(arguments).encode()));
        headers.forEach(request::header);
        return send(request.build());
    }

    /** GETs a path; returns the status code and the body as text. */
    HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(authorized(HttpRequest.newBuilder(uri(path))).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder authorized(HttpRequest.Builder request) {
        return authorization == null ? request : request.header("Authorization", authorization);
    }

    /** A JSON response. */
    record Response(int status, JsonObject body) {
    }

    private Response send(HttpRequest request) throws Exception {
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        return new Response(response.statusCode(), new JsonObject(response.body()));
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
