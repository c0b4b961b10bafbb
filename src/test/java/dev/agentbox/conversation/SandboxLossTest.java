package dev.agentbox.conversation;

import static dev.agentbox.files.FileToolsAssertions.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import dev.agentbox.HostInspection;
import dev.agentbox.McpSession;
import io.quarkiverse.mcp.server.ToolResponse;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;

/**
 * A sandbox whose init dies under a running call.
 */
@QuarkusTest
class SandboxLossTest {

    @Test
    void aCallInFlightGetsSandboxLostAndTheNextCallGetsAFreshSandboxOnTheSameWorkspace() {
        try (McpSession mcp = McpSession.open("loss-init")) {
            mcp.sh("echo survives > kept.txt");
            String before = McpSession.structured(mcp.call("sandbox_info", Map.of())).getString("sandbox_id");
            long uid = Long.parseLong(mcp.sh("id -u").trim());
            String pidNamespace = mcp.sh("readlink /proc/self/ns/pid").trim();
            CompletableFuture<ToolResponse> inFlight = CompletableFuture.supplyAsync(
                    () -> mcp.call("bash", Map.of("command", "sleep 30")));
            await().atMost(Duration.ofSeconds(10)).until(() -> HostInspection.processesOfUser(uid).stream()
                    .anyMatch(pid -> HostInspection.commandLine(pid).equals("sleep 30")));

            long init = HostInspection.processesInNamespace("pid", pidNamespace).stream()
                    .filter(pid -> HostInspection.commandLine(pid).startsWith("bwrap")).findFirst().orElseThrow();
            ProcessHandle.of(init).ifPresent(ProcessHandle::destroyForcibly);

            assertError(inFlight.join(), "SANDBOX_LOST", "stopped while the command ran");
            ToolResponse next = mcp.call("bash", Map.of("command", "cat kept.txt"));
            assertThat(McpSession.structured(next).getString("stdout")).isEqualTo("survives\n");
            assertThat(McpSession.text(next)).startsWith("Note: This conversation's previous sandbox was lost");
            JsonObject after = McpSession.structured(mcp.call("sandbox_info", Map.of()));
            assertThat(after.getString("sandbox_id")).isNotEqualTo(before);
        }
    }
}
