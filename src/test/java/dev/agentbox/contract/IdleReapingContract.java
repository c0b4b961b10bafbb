package dev.agentbox.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.agentbox.McpSession;
import io.quarkiverse.mcp.server.ToolResponse;
import io.vertx.core.json.JsonObject;

/**
 * Idle sandboxes are stopped; the workspace stays for the next call, which is told why its sandbox was gone. Running
 * jobs keep a sandbox alive, up to its maximum lifetime. Runs with an idle timeout of 2 s, a reap interval of 1 s and
 * a maximum lifetime of 12 s.
 */
abstract class IdleReapingContract {

    /** The lifetimes every backend runs this contract with. */
    static final Map<String, String> SHORT_LIFETIMES = Map.of("agentbox.sandbox.idle-timeout", "2S",
            "agentbox.sandbox.reap-interval", "1S", "agentbox.sandbox.max-lifetime", "12S");

    /**
     * @return whether nothing of the sandbox runs any more (no cgroup, no pod)
     */
    protected abstract boolean isStopped(String sandboxId);

    @Test
    void anIdleSandboxIsStoppedAndTheWorkspaceStays() {
        try (McpSession mcp = McpSession.open("idle-reaping")) {
            mcp.sh("echo kept > kept.txt; sleep 600 > /dev/null 2>&1 &");
            String sandboxId = McpSession.structured(mcp.call("sandbox_info", Map.of())).getString("sandbox_id");
            assertThat(isStopped(sandboxId)).isFalse();

            await().atMost(Duration.ofSeconds(20)).until(() -> isStopped(sandboxId));

            ToolResponse next = mcp.call("bash", Map.of("command", "cat kept.txt"));
            assertThat(McpSession.structured(next).getString("stdout")).isEqualTo("kept\n");
            assertThat(McpSession.text(next)).startsWith("Note: This conversation's previous sandbox was stopped")
                    .contains("idle for more than 2 s");
            assertThat(McpSession.structured(mcp.call("sandbox_info", Map.of())).getString("sandbox_id"))
                    .isNotEqualTo(sandboxId);
        }
    }

    @Test
    void aCallInFlightKeepsItsSandboxAlivePastTheIdleTimeout() {
        try (McpSession mcp = McpSession.open("idle-busy")) {
            String before = McpSession.structured(mcp.call("sandbox_info", Map.of())).getString("sandbox_id");

            assertThat(mcp.sh("sleep 4; echo done")).isEqualTo("done\n");

            assertThat(McpSession.structured(mcp.call("sandbox_info", Map.of())).getString("sandbox_id"))
                    .isEqualTo(before);
        }
    }

    @Test
    void aRunningJobKeepsItsSandboxUntilItEndsAndThenTheSandboxIsReaped() {
        try (McpSession mcp = McpSession.open("idle-job")) {
            String jobId = mcp.bash("sleep 6; echo job done", true).getString("job_id");
            String sandboxId = McpSession.structured(mcp.call("sandbox_info", Map.of())).getString("sandbox_id");

            await().pollDelay(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(5)).until(() -> !isStopped(sandboxId));
            await().atMost(Duration.ofSeconds(15)).until(() -> isStopped(sandboxId));

            JsonObject status = McpSession.structured(mcp.call("job_status", Map.of("job_id", jobId)));
            assertThat(status.getString("status")).isEqualTo("exited");
            assertThat(McpSession.structured(mcp.call("job_output", Map.of("job_id", jobId))).getString("output"))
                    .isEqualTo("job done\n");
        }
    }

    @Test
    void aSandboxIsStoppedAtItsMaximumLifetimeEvenWhileBusy() {
        try (McpSession mcp = McpSession.open("max-lifetime")) {
            String jobId = mcp.bash("sleep 60", true).getString("job_id");
            String sandboxId = McpSession.structured(mcp.call("sandbox_info", Map.of())).getString("sandbox_id");

            await().atMost(Duration.ofSeconds(25)).until(() -> isStopped(sandboxId));

            ToolResponse next = mcp.call("job_status", Map.of("job_id", jobId));
            assertThat(McpSession.text(next)).contains("maximum lifetime of 12 s");
            assertThat(McpSession.structured(next).getString("status")).isEqualTo("killed");
        }
    }
}
