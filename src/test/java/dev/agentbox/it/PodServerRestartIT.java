package dev.agentbox.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import dev.agentbox.sandbox.kubernetes.harness.KubeletHarness;
import io.vertx.core.json.JsonObject;

/**
 * The packaged server on the Kubernetes backend is killed with SIGKILL while jobs run in its pod, and started again:
 * it finds the pod through its labels, takes it over, and reads every job's record from the workspace claim, whether
 * the job finished, died or kept running meanwhile. The cluster is the kubelet harness, in this test's JVM, so it
 * outlives the server process.
 */
class PodServerRestartIT {

    private static final String CONVERSATION = "pod-restart-" + Long.toString(System.currentTimeMillis(), 36);

    @Test
    void podsAndTheirJobsOutliveACrashOfTheServer() throws Exception {
        Path state = Files.createTempDirectory("agentbox-pod-restart-").resolve("state");
        try (KubeletHarness harness = KubeletHarness.open("restart-it");
                ServerProcess server = new ServerProcess(state, "agentbox-it-unused",
                        "-Dagentbox.sandbox.backend=kubernetes", "-Dkubernetes.master=" + harness.url(),
                        "-Dkubernetes.namespace=" + KubeletHarness.NAMESPACE, "-Dkubernetes.trust.certificates=true",
                        "-Dkubernetes.auth.tryKubeConfig=false", "-Dkubernetes.auth.tryServiceAccount=false",
                        "-Dhttp2.disable=true", "-Dagentbox.sandbox.keep-on-shutdown=true",
                        // Shorter than the client's timeout, so that a slow start fails with the server's reason.
                        "-Dagentbox.kubernetes.ready-timeout=45S")) {
            server.start();
            String finishes = job(server, "sleep 2; echo done-a; exit 3");
            String keepsRunning = job(server, "for i in $(seq 1 8); do echo b$i; sleep 1; done");
            String dies = job(server, "echo c-start; sleep 2; kill -9 $$");
            server.tool(CONVERSATION, "bash", Map.of("command", "sleep 600 > /dev/null 2>&1 & echo $! > /tmp/sleeper"));
            String sandboxId = server.tool(CONVERSATION, "sandbox_info", Map.of()).body().getString("sandbox_id");
            CompletableFuture<Void> cutOff = CompletableFuture.runAsync(() -> {
                try {
                    server.tool(CONVERSATION, "bash", Map.of("command", "sleep 3; echo d-done"));
                } catch (Exception expected) {
                    // The server dies under this call.
                }
            });
            Thread.sleep(1000);

            server.crash();
            cutOff.join();
            Thread.sleep(4000);
            server.start();

            assertThat(server.log()).contains("Sandboxes of an earlier server taken over [count: 1]");
            assertThat(server.tool(CONVERSATION, "sandbox_info", Map.of()).body().getString("sandbox_id"))
                    .isEqualTo(sandboxId);
            assertThat(harness.pods()).hasSize(1);
            assertThat(server.tool(CONVERSATION, "bash", Map.of("command", "kill -0 $(cat /tmp/sleeper) && echo alive"))
                    .body().getString("stdout")).isEqualTo("alive\n");

            JsonObject a = status(server, finishes);
            assertThat(a.getString("status")).isEqualTo("exited");
            assertThat(a.getInteger("exit_code")).isEqualTo(3);
            assertThat(output(server, finishes)).isEqualTo("done-a\n");

            JsonObject c = status(server, dies);
            assertThat(c.getString("status")).isEqualTo("signaled");
            assertThat(c.getInteger("signal")).isEqualTo(9);
            assertThat(output(server, dies)).isEqualTo("c-start\n");

            JsonObject jobs = server.tool(CONVERSATION, "list_jobs", Map.of()).body();
            JsonObject cut = jobs.getJsonArray("jobs").stream().map(JsonObject.class::cast)
                    .filter(j -> j.getString("command").equals("sleep 3; echo d-done")).findFirst().orElseThrow();
            await().atMost(Duration.ofSeconds(10)).until(() -> !status(server, cut.getString("job_id"))
                    .getString("status").equals("running"));
            assertThat(status(server, cut.getString("job_id")).getInteger("exit_code")).isZero();
            assertThat(output(server, cut.getString("job_id"))).isEqualTo("d-done\n");

            await().atMost(Duration.ofSeconds(20)).until(() -> !status(server, keepsRunning).getString("status")
                    .equals("running"));
            assertThat(output(server, keepsRunning)).isEqualTo("b1\nb2\nb3\nb4\nb5\nb6\nb7\nb8\n");
            assertThat(status(server, keepsRunning).getInteger("exit_code")).isZero();
        }
    }

    private static String job(ServerProcess server, String command) throws Exception {
        return server.tool(CONVERSATION, "bash", Map.of("command", command, "background", true)).body()
                .getString("job_id");
    }

    private static JsonObject status(ServerProcess server, String jobId) throws Exception {
        return server.tool(CONVERSATION, "job_status", Map.of("job_id", jobId)).body();
    }

    private static String output(ServerProcess server, String jobId) throws Exception {
        return server.tool(CONVERSATION, "job_output", Map.of("job_id", jobId, "offset", 0)).body().getString("output");
    }
}
