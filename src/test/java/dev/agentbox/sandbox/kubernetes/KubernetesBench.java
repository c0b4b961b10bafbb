package dev.agentbox.sandbox.kubernetes;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import dev.agentbox.sandbox.ExecRequest;
import dev.agentbox.sandbox.Sandbox;
import dev.agentbox.sandbox.kubernetes.harness.KubeletHarness;

/**
 * The Kubernetes backend's figures through the kubelet harness: an exec round trip and a sandbox start at the
 * backend's level, then the packaged server on the Kubernetes backend measured by the benchmark program of
 * {@code bench/} (MCP round trip, first call of a new conversation). Not a test: run it with
 * {@code bench/run-kubernetes}, which writes {@code bench/results/kubernetes/}. The harness stands in for a cluster,
 * so the figures show what the backend itself costs (WebSocket exec, the pod-side programs, the exec helper), not
 * what a cluster adds: see the caveat in the report.
 */
@EnabledIfSystemProperty(named = "agentbox.bench.kubernetes", matches = "true")
class KubernetesBench {

    private static final int EXECS = Integer.getInteger("bench.calls", 300);
    private static final int WARM_UP = Integer.getInteger("bench.warm-up", 1000);
    private static final int STARTS = Integer.getInteger("bench.sandboxes", 20);

    @Test
    void measure() throws Exception {
        Path out = Path.of("bench/results/kubernetes");
        Files.createDirectories(out);
        double[] execs;
        double[] starts;
        try (KubeletHarness harness = KubeletHarness.open("bench"); TestReplicas replicas = new TestReplicas(harness)) {
            PodSandboxProvider provider = replicas.start(Map.of());
            Sandbox sandbox = provider.open(ReplicasTest.spec("bench-exec")).await().atMost(Duration.ofSeconds(60));
            ExecRequest trueCommand = new ExecRequest(List.of("true"), null, "/workspace", Map.of(),
                    Duration.ofSeconds(30), 4096, 4096);
            for (int i = 0; i < 20; i++) {
                sandbox.exec(trueCommand).await().atMost(Duration.ofSeconds(30));
            }
            execs = new double[EXECS];
            for (int i = 0; i < EXECS; i++) {
                long t = System.nanoTime();
                sandbox.exec(trueCommand).await().atMost(Duration.ofSeconds(30));
                execs[i] = (System.nanoTime() - t) / 1e6;
            }
            starts = new double[STARTS];
            for (int i = 0; i < STARTS; i++) {
                long t = System.nanoTime();
                provider.open(ReplicasTest.spec("bench-start")).await().atMost(Duration.ofSeconds(60));
                starts[i] = (System.nanoTime() - t) / 1e6;
            }
            replicas.close();
            mcpFigures(harness, out);
        }
        String report = Files.readString(out.resolve("report.md"));
        report = report.replace("# agentbox benchmark report", "# agentbox benchmark: Kubernetes backend through the "
                + "kubelet harness").replace("local sandbox creation, server-side", "sandbox creation, server-side")
                .replace("cgroups, bwrap namespaces and mounts, init and exec server ready",
                        "claim and pod created, scheduled, init container, container ready (from the server's log)")
                .replaceAll("(?s)\n## Targets.*", "\n");
        report = report.replace("- java: ", "- load average at the end (1, 5, 15 min): "
                + Files.readString(Path.of("/proc/loadavg")).split(" ", 4)[0] + ", "
                + Files.readString(Path.of("/proc/loadavg")).split(" ", 4)[1] + ", "
                + Files.readString(Path.of("/proc/loadavg")).split(" ", 4)[2] + " (other work shares this machine)\n"
                + "- java: ");
        report += String.format("""

                Backend level (no MCP, no HTTP in front):

                | measurement | n | p50 ms | p90 ms | p99 ms |
                |---|---|---|---|---|
                | exec round trip of `true` (WebSocket exec + pod-side program + exec helper) | %d | %.2f | %.2f | %.2f |
                | sandbox start: claim + pod created, scheduled, init container, container ready | %d | %.2f | %.2f | %.2f |

                **Caveat.** These figures come from fabric8's mock API server and the kubelet harness on this machine,
                not from a cluster. The harness answers in microseconds, schedules nothing, pulls no image, attaches no
                volume, and runs each container with bubblewrap on the host kernel (no gVisor); every exec is an
                `nsenter` into it. So they measure what the backend itself costs (the WebSocket exec, the pod-side
                programs, the exec helper, the watch), and are a floor for a real cluster. There, add what was not
                measured here: the round trips from the server to the API server to the kubelet for every exec, the
                cost of an exec in gVisor (`runsc exec` took about 83 ms on this machine with the ptrace platform,
                see the local sandbox notes; GKE Sandbox uses another platform), and for a sandbox start the
                scheduling, the volume attach of a new disk and the image pull. The warm pool
                (`agentbox.kubernetes.warm-pool`) takes those out of first calls.
                """, EXECS, percentile(execs, 50), percentile(execs, 90), percentile(execs, 99), STARTS,
                percentile(starts, 50), percentile(starts, 90), percentile(starts, 99));
        Files.writeString(out.resolve("report.md"), report);
        System.out.println(report);
    }

    /** Starts the packaged server on the harness and runs the benchmark program against it. */
    private static void mcpFigures(KubeletHarness harness, Path out) throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path log = Files.createTempFile("agentbox-bench-kubernetes-", ".log");
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Dquarkus.http.port=" + port, "-Dagentbox.sandbox.backend=kubernetes",
                "-Dkubernetes.master=" + harness.url(), "-Dkubernetes.namespace=" + KubeletHarness.NAMESPACE,
                "-Dkubernetes.trust.certificates=true", "-Dkubernetes.auth.tryKubeConfig=false",
                "-Dkubernetes.auth.tryServiceAccount=false", "-Dhttp2.disable=true",
                "-Dagentbox.sandbox.keep-on-shutdown=false", "-jar", "target/quarkus-app/quarkus-run.jar"));
        Process server = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        try {
            HttpClient http = HttpClient.newHttpClient();
            for (int i = 0; i < 300; i++) {
                try {
                    if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                            .build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                        break;
                    }
                } catch (java.io.IOException e) {
                    // not listening yet
                }
                Thread.sleep(200);
            }
            // The local benchmark's program (bench/, built by bench/run or bench/run-kubernetes), with only the
            // sections that need nothing but the server: round trips and sandbox creation.
            Process bench = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp",
                    "bench/target/agentbox-bench.jar:bench/target/lib/*", "dev.agentbox.bench.Bench",
                    "--mcp=http://127.0.0.1:" + port + "/mcp", "--pid=" + server.pid(), "--state-dir=/nonexistent",
                    "--runtime-dir=/nonexistent", "--cgroup-parent=none", "--log=" + log, "--out=" + out,
                    "--calls=" + EXECS, "--warm-up=" + WARM_UP, "--sandboxes=" + STARTS,
                    "--sections=round-trips,creation").inheritIO()
                    .start();
            if (bench.waitFor() != 0) {
                throw new IllegalStateException("the benchmark program failed; server log: " + Files.readString(log));
            }
        } finally {
            server.destroy();
            server.waitFor();
        }
    }

    private static double percentile(double[] samples, double p) {
        double[] sorted = samples.clone();
        Arrays.sort(sorted);
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}
