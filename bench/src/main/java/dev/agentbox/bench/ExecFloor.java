package dev.agentbox.bench;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The exec floor: a plain {@code bash -c} spawned from Java, and the same command run in a local sandbox through its
 * exec server directly (no HTTP, no MCP): what isolation itself costs per command.
 */
final class ExecFloor {

    private static final String COMMAND = "echo hi";

    private ExecFloor() {
    }

    static List<Measurement> run(Target target, int calls) throws Exception {
        List<Measurement> results = new ArrayList<>();
        results.add(new Measurement("Exec floor", "plain `bash -c 'echo hi'` spawned from Java", plainSpawn(calls),
                "the baseline the targets are relative to"));
        results.add(new Measurement("Exec floor", "local sandbox exec of `bash -c 'echo hi'` through the exec server",
                sandboxExec(target, calls), "namespaces, cgroups, uid drop, seccomp, bounded capture; no HTTP/MCP"));
        return results;
    }

    static Samples plainSpawn(int calls) throws Exception {
        double[] samples = new double[calls];
        for (int i = -20; i < calls; i++) {
            long started = System.nanoTime();
            Process process = new ProcessBuilder("bash", "-c", COMMAND).redirectErrorStream(true).start();
            try (InputStream out = process.getInputStream()) {
                out.readAllBytes();
            }
            process.waitFor();
            if (i >= 0) {
                samples[i] = Samples.since(started);
            }
        }
        return new Samples(samples);
    }

    private static Samples sandboxExec(Target target, int calls) throws Exception {
        McpHttp mcp = target.session("bench-floor");
        String conversationId = mcp.call("sandbox_info", Map.of()).path("structuredContent").path("conversation_id")
                .asText();
        JsonNode record = target.sandboxRecord(conversationId);
        Path socket = Path.of(record.path("execSocket").asText());
        String uid = record.path("uid").asText();
        String sandboxId = record.path("id").asText();
        Path records = Files.createTempDirectory(Path.of("/dev/shm"), "agentbox-bench-floor");
        double[] samples = new double[calls];
        try {
            for (int i = -20; i < calls; i++) {
                Path dir = Files.createDirectory(records.resolve("r" + (i + 20)));
                List<String> args = new ArrayList<>(List.of("--record", dir.toString(), "--uid", uid, "--gid", uid,
                        "--cwd", "/workspace", "--seccomp", "--capture", "1048576:1048576"));
                for (String controller : List.of("memory", "pids", "cpu", "cpuacct")) {
                    args.addAll(List.of("--cgroup", "/sys/fs/cgroup/" + controller + "/" + target.cgroupParent() + "/"
                            + sandboxId));
                }
                args.addAll(List.of("--exec-cgroup", "/sys/fs/cgroup/freezer/" + target.cgroupParent() + "/"
                        + sandboxId + "/bench" + (i + 20), "--env", "PATH=/usr/bin:/bin", "--", "/bin/bash", "-c",
                        COMMAND));
                long started = System.nanoTime();
                exec(socket, args);
                if (i >= 0) {
                    samples[i] = Samples.since(started);
                }
            }
        } finally {
            try (Stream<Path> paths = Files.walk(records)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            }
        }
        return new Samples(samples);
    }

    /** Sends one request to an exec server and reads until it closes the connection after the exit line. */
    private static void exec(Path socket, List<String> args) throws Exception {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            ByteArrayOutputStream payload = new ByteArrayOutputStream();
            for (String arg : args) {
                payload.writeBytes(arg.getBytes(StandardCharsets.UTF_8));
                payload.write(0);
            }
            ByteBuffer request = ByteBuffer.allocate(4 + payload.size()).order(ByteOrder.LITTLE_ENDIAN);
            request.putInt(payload.size()).put(payload.toByteArray()).flip();
            while (request.hasRemaining()) {
                channel.write(request);
            }
            ByteBuffer buffer = ByteBuffer.allocate(4096);
            StringBuilder received = new StringBuilder();
            while (channel.read(buffer.clear()) >= 0) {
                received.append(StandardCharsets.UTF_8.decode(buffer.flip()));
            }
            if (!received.toString().contains("\"exitCode\":0")) {
                throw new IllegalStateException("exec failed: " + received);
            }
        }
    }
}
