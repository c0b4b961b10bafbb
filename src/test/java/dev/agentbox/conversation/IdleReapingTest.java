package dev.agentbox.conversation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.agentbox.HostInspection;
import dev.agentbox.McpSession;
import io.quarkiverse.mcp.server.ToolResponse;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.json.JsonObject;

/**
 * Idle sandboxes are stopped and leave nothing on the host; the workspace stays for the next call, which is told why
 * its sandbox was gone. Running jobs keep a sandbox alive, up to its maximum lifetime.
 */
@QuarkusTest
@TestProfile(IdleReapingTest.ShortLifetimes.class)
class IdleReapingTest {

    public static class ShortLifetimes implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("agentbox.sandbox.idle-timeout", "2S", "agentbox.sandbox.reap-interval", "1S",
                    "agentbox.sandbox.max-lifetime", "12S");
        }
    }

    @Test
    void anIdleSandboxIsStoppedWithoutTraceAndTheWorkspaceStays() {
        try (McpSession mcp = McpSession.open("idle-reaping")) {
            mcp.sh("echo kept > kept.txt; sleep 600 > /dev/null 2>&1 &");
            JsonObject info = McpSession.structured(mcp.call("sandbox_info", Map.of()));
            String sandboxId = info.getString("sandbox_id");
            long uid = Long.parseLong(mcp.sh("id -u").trim());
            String[] namespaces = mcp.sh("readlink /proc/self/ns/mnt /proc/self/ns/net /proc/self/ns/pid").split("\n");
            assertThat(HostInspection.processesOfUser(uid)).isNotEmpty();

            await().atMost(Duration.ofSeconds(20)).until(() -> HostInspection.cgroupsStartingWith(sandboxId).isEmpty());

            // Killed processes can take a moment to finish exiting on a loaded machine; they must be gone soon.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(HostInspection.processesOfUser(uid)).as("processes of the sandbox user").isEmpty();
                assertThat(HostInspection.processesInNamespace("mnt", namespaces[0])).as("mount namespace").isEmpty();
                assertThat(HostInspection.processesInNamespace("net", namespaces[1])).as("network namespace").isEmpty();
                assertThat(HostInspection.processesInNamespace("pid", namespaces[2])).as("pid namespace").isEmpty();
            });

            ToolResponse next = mcp.call("bash", Map.of("command", "cat kept.txt"));
            assertThat(McpSession.structured(next).getString("stdout")).isEqualTo("kept\n");
            assertThat(McpSession.text(next)).startsWith("Note: This conversation's previous sandbox was stopped")
                    .contains("idle for more than 2 s");
            assertThat(McpSession.structured(mcp.call("sandbox_info", Map.of())).getString("sandbox_id"))
                    .isNotEqualTo(sandboxId);
        }
    }

    @Test
    void sandboxesThatComeAndGoLeaveNoFileDescriptorsInTheServer() {
        try (McpSession mcp = McpSession.open("idle-fds")) {
            long afterFirst = 0;
            for (int cycle = 0; cycle < 4; cycle++) {
                mcp.sh("echo cycle " + cycle);
                String sandboxId = McpSession.structured(mcp.call("sandbox_info", Map.of())).getString("sandbox_id");
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> HostInspection.cgroupsStartingWith(sandboxId).isEmpty());
                if (cycle == 0) {
                    afterFirst = HostInspection.openFileDescriptors();
                }
            }

            // Lazily opened resources may add one or two; one per sandbox would add three or more.
            assertThat(HostInspection.openFileDescriptors()).isLessThanOrEqualTo(afterFirst + 2);
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

            await().pollDelay(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(5))
                    .until(() -> !HostInspection.cgroupsStartingWith(sandboxId).isEmpty());
            await().atMost(Duration.ofSeconds(15)).until(() -> HostInspection.cgroupsStartingWith(sandboxId).isEmpty());

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

            await().atMost(Duration.ofSeconds(25)).until(() -> HostInspection.cgroupsStartingWith(sandboxId).isEmpty());

            ToolResponse next = mcp.call("job_status", Map.of("job_id", jobId));
            assertThat(McpSession.text(next)).contains("maximum lifetime of 12 s");
            assertThat(McpSession.structured(next).getString("status")).isEqualTo("killed");
        }
    }
}
