package dev.agentbox.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What users would pick instead, measured in the same run: the MCP reference server's {@code echo} tool (the cost of
 * the protocol without any sandbox) and Anthropic's sandbox runtime {@code srt} wrapping the same shell command (the
 * cost of a per-command sandbox). Both are installed from the npm registry by bench/setup into bench/.peers.
 */
final class Peers {

    private Peers() {
    }

    static List<Measurement> run(Path peers, int calls, int srtCalls, int warmUp) throws Exception {
        List<Measurement> results = new ArrayList<>();
        Path everything = peers.resolve("node_modules/@modelcontextprotocol/server-everything/dist/index.js");
        if (Files.exists(everything)) {
            results.add(everythingEcho(everything, calls, warmUp));
        }
        Path srt = peers.resolve("node_modules/.bin/srt");
        if (Files.exists(srt)) {
            results.add(srt(srt, peers, srtCalls));
        }
        return results;
    }

    private static Measurement everythingEcho(Path script, int calls, int warmUp) throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        ProcessBuilder builder = new ProcessBuilder("node", script.toString(), "streamableHttp")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("PORT", Integer.toString(port));
        Process server = builder.start();
        try {
            awaitPort(port);
            McpHttp mcp = new McpHttp(URI.create("http://127.0.0.1:" + port + "/mcp"), Map.of());
            // Warmed up as long as agentbox's bash is, so that both are compared in their steady state.
            for (int i = 0; i < warmUp; i++) {
                mcp.call("echo", Map.of("message", "hi"));
            }
            Measurement echo = RoundTrips.measure("peer: `@modelcontextprotocol/server-everything` `echo` (no sandbox)",
                    calls, i -> mcp.call("echo", Map.of("message", "hi")));
            return new Measurement(echo.section(), echo.name(), echo.samples(), "the protocol's cost alone, in Node");
        } finally {
            server.destroy();
            server.waitFor();
        }
    }

    private static Measurement srt(Path srt, Path peers, int calls) throws Exception {
        Path home = Files.createDirectories(peers.resolve("home"));
        Files.writeString(home.resolve(".srt-settings.json"), "{\"network\":{\"allowedDomains\":[],"
                + "\"deniedDomains\":[]},\"filesystem\":{\"denyRead\":[],\"allowWrite\":[\"/tmp\"],\"denyWrite\":[]}}");
        double[] samples = new double[calls];
        for (int i = -3; i < calls; i++) {
            ProcessBuilder builder = new ProcessBuilder(srt.toString(), "-c", "echo hi").redirectErrorStream(true);
            builder.environment().put("HOME", home.toString());
            long started = System.nanoTime();
            Process process = builder.start();
            String out;
            try (InputStream stream = process.getInputStream()) {
                out = new String(stream.readAllBytes());
            }
            process.waitFor();
            if (!out.contains("hi")) {
                throw new IllegalStateException("srt failed: " + out);
            }
            if (i >= 0) {
                samples[i] = Samples.since(started);
            }
        }
        return new Measurement("Tool call round trip (MCP Streamable HTTP, warm)",
                "peer: `@anthropic-ai/sandbox-runtime` (`srt -c 'echo hi'`, spawned per command)", new Samples(samples),
                "a per-command sandbox: Node start, proxy, bubblewrap");
    }

    private static void awaitPort(int port) throws Exception {
        for (int i = 0; i < 100; i++) {
            try (Socket socket = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("peer server did not listen on " + port);
    }
}
