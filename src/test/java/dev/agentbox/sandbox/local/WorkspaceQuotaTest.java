package dev.agentbox.sandbox.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import dev.agentbox.McpSession;
import io.quarkiverse.mcp.server.ToolResponse;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.json.JsonObject;

/**
 * Workspace volumes, the local backend's disk quota: a conversation that fills its workspace gets {@code DISK_FULL}
 * and harms no other one, and its files live on across sandboxes, restores and forks, with nothing mounted on the
 * host; deleting the conversation deletes its volume.
 */
@QuarkusTest
@TestProfile(WorkspaceQuotaTest.SmallQuota.class)
public class WorkspaceQuotaTest {

    public static class SmallQuota implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("agentbox.local.workspace-quota", "64M");
        }
    }

    @Test
    void aFullWorkspaceAnswersDiskFullThereAndNowhereElse() {
        try (McpSession full = McpSession.open("quota-full"); McpSession neighbour = McpSession.open("quota-other")) {
            ToolResponse filled = full.call("bash", Map.of("command", "head -c 100M /dev/zero > /workspace/fill"));

            assertThat(filled.isError()).isTrue();
            assertThat(McpSession.structured(filled).getString("reason")).isEqualTo("DISK_FULL");
            JsonObject written = McpSession.structured(full.call("write_file", Map.of("path", "more.txt", "content",
                    "x".repeat(200_000))));
            assertThat(written.getString("reason")).isEqualTo("DISK_FULL");
            // The home directory shares the quota: dot files and caches cannot go around it.
            assertThat(McpSession.structured(full.call("bash", Map.of("command",
                    "head -c 1M /dev/zero > ~/.cache-file"))).getString("reason")).isEqualTo("DISK_FULL");
            assertThat(Long.parseLong(full.sh("df -k --output=size /workspace | tail -1").trim()))
                    .isLessThan(64 * 1024);
            assertThat(neighbour.sh("head -c 20M /dev/zero > /workspace/fine && echo written"))
                    .isEqualTo("written\n");

            assertThat(full.sh("rm /workspace/fill ~/.cache-file; echo again > a.txt && cat a.txt"))
                    .isEqualTo("again\n");
        }
    }

    @Test
    void aVolumeKeepsItsFilesAcrossSandboxesRestoresAndForksAndIsNeverMountedOnTheHost() throws Exception {
        try (McpSession mcp = McpSession.open("quota-keep")) {
            mcp.sh("mkdir -p src && echo kept > src/a.txt && echo dot > ~/.dotfile");
            String conversationId = McpSession.structured(mcp.call("sandbox_info", Map.of()))
                    .getString("conversation_id");
            Path conversation = Path.of("target/agentbox-test-state/conversations", conversationId);

            assertThat(conversation.resolve("volume.img")).isRegularFile();
            assertThat(conversation.resolve("volume")).isEmptyDirectory();
            assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(conversationId);

            String checkpoint = "quota-keep-" + McpSession.RUN;
            assertThat(mcp.call("persist", Map.of("name", checkpoint)).isError()).isFalse();
            mcp.sh("echo changed > src/a.txt; echo new > b.txt");
            ToolResponse restored = mcp.call("restore", Map.of("checkpoint", checkpoint));
            assertThat(restored.isError()).as(McpSession.text(restored)).isFalse();
            assertThat(mcp.sh("cat src/a.txt; ls -A /workspace; cat ~/.dotfile")).isEqualTo("kept\nsrc\ndot\n");

            mcp.sh("echo changed > src/a.txt; echo extra > src/extra.txt");
            restored = mcp.call("restore", Map.of("checkpoint", checkpoint, "paths", List.of("src/a.txt")));
            assertThat(restored.isError()).as(McpSession.text(restored)).isFalse();
            assertThat(mcp.sh("cat src/a.txt src/extra.txt")).isEqualTo("kept\nextra\n");

            String child = McpSession.structured(mcp.call("fork", Map.of())).getString("conversation");
            try (McpSession fork = McpSession.openExact(child)) {
                String[] seen = fork.sh("cat src/a.txt; df -k --output=size /workspace | tail -1").split("\n");
                assertThat(seen[0]).isEqualTo("kept");
                assertThat(Long.parseLong(seen[1].trim())).as("the fork's own quota, in KiB").isLessThan(64 * 1024);
                String forkId = McpSession.structured(fork.call("sandbox_info", Map.of()))
                        .getString("conversation_id");
                assertThat(Path.of("target/agentbox-test-state/conversations", forkId, "volume.img"))
                        .isRegularFile();
            }
            assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(conversationId);

            assertThat(mcp.call("delete_conversation", Map.of("workspace", true)).isError()).isFalse();
            assertThat(conversation).doesNotExist();
            // The sandbox's loop device went with its mount namespace.
            await().atMost(Duration.ofSeconds(10)).until(() -> loopBackingFiles().stream()
                    .noneMatch(file -> file.contains(conversationId)));
        }
    }

    private static List<String> loopBackingFiles() throws IOException {
        try (Stream<Path> devices = Files.list(Path.of("/sys/block"))) {
            return devices.map(device -> device.resolve("loop/backing_file")).filter(Files::exists).map(file -> {
                try {
                    return Files.readString(file);
                } catch (IOException e) {
                    return ""; // detached meanwhile
                }
            }).toList();
        }
    }
}
