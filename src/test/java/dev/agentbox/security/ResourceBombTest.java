package dev.agentbox.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import dev.agentbox.McpSession;
import io.quarkiverse.mcp.server.ToolResponse;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;

/**
 * Hostile workloads: each must leave the server up with bounded memory, leave other conversations working meanwhile,
 * and leave its own conversation usable on the next call.
 */
@QuarkusTest
class ResourceBombTest {

    @Test
    void aForkBombHitsTheProcessLimitAndTheConversationRecovers() {
        try (McpSession mcp = McpSession.open("bomb-fork"); McpSession bystander = McpSession.open("bomb-bystander-1")) {
            ToolResponse response = mcp.call("bash", Map.of("command", "bomb() { bomb | bomb & }; bomb; sleep 3",
                    "timeout_seconds", 4));

            assertThat(response.isError()).isTrue();
            assertThat(McpSession.structured(response).getString("reason")).isIn("TIMEOUT", "PIDS_EXHAUSTED");
            assertThat(bystander.sh("echo still here")).isEqualTo("still here\n");
            assertThat(mcp.sh("echo recovered")).isEqualTo("recovered\n");
        }
    }

    @Test
    void aMemoryBombIsOomKilledAndTheConversationRecovers() {
        try (McpSession mcp = McpSession.open("bomb-memory")) {
            ToolResponse response = mcp.call("bash", Map.of("command",
                    "python3 -c 'chunks = []\nwhile True: chunks.append(bytearray(64 * 1024 * 1024))'"));

            assertThat(response.isError()).isTrue();
            JsonObject error = McpSession.structured(response);
            assertThat(error.getString("reason")).isEqualTo("OOM_KILLED");
            assertThat(error.getString("message")).contains("out of memory").contains("MiB");
            assertThat(error.getJsonObject("details").getInteger("exit_code")).isEqualTo(137);
            assertThat(mcp.sh("echo recovered")).isEqualTo("recovered\n");
        }
    }

    @Test
    void aCommandThatFillsADiskGetsDiskFullAndTheNextCallWorks() {
        try (McpSession mcp = McpSession.open("bomb-disk")) {
            // /dev/shm is a quarter of /tmp's size: the smallest disk a command can fill here.
            ToolResponse response = mcp.call("bash", Map.of("command", "head -c 512M /dev/zero > /dev/shm/fill"));

            assertThat(response.isError()).isTrue();
            JsonObject error = McpSession.structured(response);
            assertThat(error.getString("reason")).isEqualTo("DISK_FULL");
            assertThat(error.getString("message")).contains("No space left on device").contains("du -sh");
            assertThat(error.getJsonObject("details").getInteger("exit_code")).isEqualTo(1);
            assertThat(mcp.sh("rm /dev/shm/fill; echo recovered")).isEqualTo("recovered\n");
            // Only a command that failed is taken for one that ran out of space.
            assertThat(mcp.call("bash", Map.of("command", "echo 'No space left on device' >&2")).isError()).isFalse();
        }
    }

    @Test
    void endlessOutputIsCutAndStoppedByTheTimeout() {
        try (McpSession mcp = McpSession.open("bomb-yes"); McpSession bystander = McpSession.open("bomb-bystander-2")) {
            long heapBefore = usedHeap();
            CompletableFuture<ToolResponse> yes = CompletableFuture.supplyAsync(
                    () -> mcp.call("bash", Map.of("command", "yes", "timeout_seconds", 3)));

            assertThat(bystander.sh("echo unaffected")).isEqualTo("unaffected\n");
            ToolResponse response = yes.join();
            assertThat(McpSession.structured(response).getString("reason")).isEqualTo("TIMEOUT");
            JsonObject details = McpSession.structured(response).getJsonObject("details");
            assertThat(details.getLong("stdout_bytes")).isGreaterThan(10_000_000L);
            assertThat(details.getString("stdout").length()).isLessThan(31_000);
            assertThat(usedHeap() - heapBefore).isLessThan(200L << 20);
        }
    }

    @Test
    void aGigabyteLineAndRandomBytesLeaveBoundedResults() {
        try (McpSession mcp = McpSession.open("bomb-line")) {
            JsonObject line = mcp.bash("head -c 1000000000 /dev/zero | tr '\\0' 'a'");
            ToolResponse random = mcp.call("bash", Map.of("command", "cat /dev/urandom", "timeout_seconds", 2));

            assertThat(line.getLong("stdout_bytes")).isEqualTo(1_000_000_000L);
            assertThat(line.getString("stdout").length()).isLessThan(31_000);
            assertThat(line.getBoolean("output_truncated")).isTrue();
            assertThat(McpSession.structured(random).getString("reason")).isEqualTo("TIMEOUT");
            assertThat(McpSession.structured(random).getJsonObject("details").getString("stdout").length())
                    .isLessThan(31_000);
            assertThat(mcp.sh("echo fine")).isEqualTo("fine\n");
        }
    }

    private static long usedHeap() {
        System.gc();
        return Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
    }
}
