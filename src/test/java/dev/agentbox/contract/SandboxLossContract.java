package dev.agentbox.contract;

import static dev.agentbox.files.FileToolsAssertions.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import dev.agentbox.McpSession;
import io.quarkiverse.mcp.server.ToolResponse;
import io.vertx.core.json.JsonObject;

/**
 * A sandbox that dies under a running call, on every backend: the call gets {@code SANDBOX_LOST} in bounded time, and
 * the next call gets a new sandbox on the same workspace and a note saying what happened.
 */
abstract class SandboxLossContract {

    /** Kills the sandbox from outside, as a crash (local) or a deleted pod (Kubernetes) would. */
    protected abstract void killSandbox(String sandboxId) throws Exception;

    @Test
    void aCallInFlightGetsSandboxLostAndTheNextCallGetsAFreshSandboxOnTheSameWorkspace() throws Exception {
        try (McpSession mcp = McpSession.open("loss-init")) {
            mcp.sh("echo survives > kept.txt");
            String before = McpSession.structured(mcp.call("sandbox_info", Map.of())).getString("sandbox_id");
            CompletableFuture<ToolResponse> inFlight = CompletableFuture.supplyAsync(
                    () -> mcp.call("bash", Map.of("command", "sleep 30")));
            try (McpSession observer = McpSession.open("loss-init")) {
                await().atMost(Duration.ofSeconds(10)).until(() -> observer.sh("ps -eo args").contains("sleep 30"));
            }

            long killed = System.nanoTime();
            killSandbox(before);

            assertError(inFlight.join(), "SANDBOX_LOST", "stopped while the command ran");
            assertThat((System.nanoTime() - killed) / 1_000_000).as("ms until the call failed").isLessThan(10_000);
            ToolResponse next = mcp.call("bash", Map.of("command", "cat kept.txt"));
            assertThat(McpSession.structured(next).getString("stdout")).isEqualTo("survives\n");
            assertThat(McpSession.text(next)).startsWith("Note: This conversation's previous sandbox was lost");
            JsonObject after = McpSession.structured(mcp.call("sandbox_info", Map.of()));
            assertThat(after.getString("sandbox_id")).isNotEqualTo(before);
        }
    }
}
