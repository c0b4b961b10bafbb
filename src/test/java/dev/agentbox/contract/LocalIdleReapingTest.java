package dev.agentbox.contract;

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

/**
 * {@link IdleReapingContract} on the local backend, plus what only this backend can show: a stopped sandbox leaves
 * no process, namespace, cgroup or file descriptor behind on the host.
 */
@QuarkusTest
@TestProfile(LocalIdleReapingTest.ShortLifetimes.class)
class LocalIdleReapingTest extends IdleReapingContract {

    public static class ShortLifetimes implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return SHORT_LIFETIMES;
        }
    }

    @Override
    protected boolean isStopped(String sandboxId) {
        return HostInspection.cgroupsStartingWith(sandboxId).isEmpty();
    }

    @Test
    void anIdleSandboxLeavesNothingOnTheHost() {
        try (McpSession mcp = McpSession.open("idle-no-trace")) {
            mcp.sh("sleep 600 > /dev/null 2>&1 &");
            String sandboxId = McpSession.structured(mcp.call("sandbox_info", Map.of())).getString("sandbox_id");
            long uid = Long.parseLong(mcp.sh("id -u").trim());
            String[] namespaces = mcp.sh("readlink /proc/self/ns/mnt /proc/self/ns/net /proc/self/ns/pid").split("\n");
            assertThat(HostInspection.processesOfUser(uid)).isNotEmpty();

            await().atMost(Duration.ofSeconds(20)).until(() -> isStopped(sandboxId));

            // Killed processes can take a moment to finish exiting on a loaded machine; they must be gone soon.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(HostInspection.processesOfUser(uid)).as("processes of the sandbox user").isEmpty();
                assertThat(HostInspection.processesInNamespace("mnt", namespaces[0])).as("mount namespace").isEmpty();
                assertThat(HostInspection.processesInNamespace("net", namespaces[1])).as("network namespace").isEmpty();
                assertThat(HostInspection.processesInNamespace("pid", namespaces[2])).as("pid namespace").isEmpty();
            });
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
                        .until(() -> isStopped(sandboxId));
                if (cycle == 0) {
                    afterFirst = HostInspection.openFileDescriptors();
                }
            }

            // Lazily opened resources may add one or two; one per sandbox would add three or more.
            assertThat(HostInspection.openFileDescriptors()).isLessThanOrEqualTo(afterFirst + 2);
        }
    }
}
