package dev.agentbox.bench;

import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sandbox creation: the first call of new conversations (end to end), the server's own measurement of each creation,
 * and, for reference, how long a gVisor sandbox takes to start here.
 */
final class Creation {

    private static final Pattern CREATED = Pattern.compile("Sandbox created \\[conversation: [0-9a-f]+, sandbox: [^,]+, "
            + "took: (\\d+) ms]");

    private Creation() {
    }

    static List<Measurement> run(Target target, int sandboxes) throws Exception {
        int mark = Files.readAllLines(target.log()).size();
        double[] firstCalls = new double[sandboxes];
        for (int i = 0; i < sandboxes; i++) {
            McpHttp mcp = target.session("bench-new-" + i);
            long started = System.nanoTime();
            mcp.call("bash", Map.of("command", "echo hi"));
            firstCalls[i] = Samples.since(started);
        }
        List<String> lines = Files.readAllLines(target.log());
        double[] serverSide = lines.subList(mark, lines.size()).stream().map(CREATED::matcher).filter(Matcher::find)
                .mapToDouble(m -> Double.parseDouble(m.group(1))).toArray();
        List<Measurement> results = new ArrayList<>();
        results.add(new Measurement("Sandbox creation", "first `bash` call of a new conversation (creation included)",
                new Samples(firstCalls), "MCP round trip: session, sandbox creation, exec"));
        results.add(new Measurement("Sandbox creation", "local sandbox creation, server-side",
                new Samples(serverSide), "cgroups, bwrap namespaces and mounts, init and exec server ready"));
        Samples gvisor = gvisor(Math.max(5, sandboxes / 4));
        if (gvisor != null) {
            results.add(new Measurement("Sandbox creation", "reference: gVisor `runsc --network=none do /bin/true`",
                    gvisor, "not an agentbox backend: what a gVisor sandbox costs on this machine (ptrace platform)"));
        }
        return results;
    }

    /** Times a gVisor sandbox start, when runsc is installed and works here. */
    private static Samples gvisor(int runs) throws Exception {
        if (!Files.isExecutable(java.nio.file.Path.of("/usr/bin/runsc"))) {
            return null;
        }
        double[] samples = new double[runs];
        for (int i = -1; i < runs; i++) {
            long started = System.nanoTime();
            Process process = new ProcessBuilder("runsc", "--platform=ptrace", "--network=none", "--rootless=false",
                    "do", "/bin/true").redirectErrorStream(true).start();
            String out;
            try (InputStream stream = process.getInputStream()) {
                out = new String(stream.readAllBytes());
            }
            if (process.waitFor() != 0) {
                System.err.println("runsc does not run here: " + out.strip());
                return null;
            }
            if (i >= 0) {
                samples[i] = Samples.since(started);
            }
        }
        return new Samples(samples);
    }
}
