package dev.agentbox.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import io.vertx.core.json.JsonObject;

/**
 * The server is killed with SIGKILL while jobs run, and started again on the same state: it takes its sandboxes back,
 * and every job's record is complete and correct, whether the job finished, died or kept running meanwhile.
 */
class ServerRestartIT {

    private static final String CONVERSATION = "restart-" + Long.toString(System.currentTimeMillis(), 36);

    @Test
    void jobsAndSandboxesOutliveACrashOfTheServer() throws Exception {
        Path state = Files.createTempDirectory("agentbox-restart-").resolve("state");
        try (ServerProcess server = new ServerProcess(state, "agentbox-it-" + System.getProperty("agentbox.test.id", "test"),
                "-Dagentbox.sandbox.keep-on-shutdown=true")) {
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
        } finally {
            try (ServerProcess cleanup = new ServerProcess(state,
                    "agentbox-it-" + System.getProperty("agentbox.test.id", "test"),
                    "-Dagentbox.sandbox.adopt-survivors=false")) {
                cleanup.start();
            }
            ServerProcess.deleteRuntime(state);
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
