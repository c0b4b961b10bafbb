package dev.agentbox.conversation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.agentbox.HostInspection;
import dev.agentbox.McpSession;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.json.JsonObject;

/**
 * Idle sandboxes are stopped and leave nothing on the host; the workspace stays for the next call.
 */
@QuarkusTest
@TestProfile(IdleReapingTest.ShortIdleTimeout.class)
class IdleReapingTest {

    public static class ShortIdleTimeout implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("agentbox.sandbox.idle-timeout", "2S", "agentbox.sandbox.reap-interval", "1S");
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
            long fdsWhileRunning = HostInspection.openFileDescriptors();

            await().atMost(Duration.ofSeconds(20)).until(() -> HostInspection.cgroupsStartingWith(sandboxId).isEmpty());

            assertThat(HostInspection.processesOfUser(uid)).as("processes of the sandbox user").isEmpty();
            assertThat(HostInspection.processesInNamespace("mnt", namespaces[0])).as("mount namespace").isEmpty();
            assertThat(HostInspection.processesInNamespace("net", namespaces[1])).as("network namespace").isEmpty();
            assertThat(HostInspection.processesInNamespace("pid", namespaces[2])).as("pid namespace").isEmpty();
            assertThat(HostInspection.openFileDescriptors()).isLessThanOrEqualTo(fdsWhileRunning);

            JsonObject after = McpSession.structured(mcp.call("sandbox_info", Map.of()));
            assertThat(after.getString("sandbox_id")).isNotEqualTo(sandboxId);
            assertThat(mcp.sh("cat kept.txt")).isEqualTo("kept\n");
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
}
