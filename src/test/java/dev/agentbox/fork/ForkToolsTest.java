package dev.agentbox.fork;

import static dev.agentbox.files.FileToolsAssertions.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.agentbox.HostInspection;
import dev.agentbox.McpSession;
import io.quarkiverse.mcp.server.ToolResponse;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;

/**
 * Forks for sub-agents over MCP: the child starts with a copy of the parent's workspace, its changes reach the parent
 * only through a checkpoint the parent restores, it never sees the parent's checkpoints, and its limits are never
 * wider than the parent's, as enforced by its sandbox's cgroups.
 */
@QuarkusTest
class ForkToolsTest {

    @Test
    void aForksChangesDoNotTouchTheParentUntilTheParentRestoresThem() {
        try (McpSession parent = McpSession.open("fork-parent")) {
            parent.sh("mkdir -p src && echo v1 > src/app.txt && echo notes > notes.txt && ln -s src/app.txt link");
            JsonObject fork = McpSession.structured(parent.call("fork", Map.of()));
            String handle = fork.getString("conversation");

            assertThat(handle).startsWith("fork-");
            assertThat(fork.getString("parent")).isEqualTo(McpSession.key("fork-parent"));
            assertThat(fork.getString("header")).isEqualTo(McpSession.HEADER);
            try (McpSession child = McpSession.openExact(handle)) {
                assertThat(child.sh("cat src/app.txt notes.txt; readlink link; stat -c %U src/app.txt"))
                        .isEqualTo("v1\nnotes\nsrc/app.txt\nagent\n");
                child.sh("echo v2 > src/app.txt; echo made-by-child > src/new.txt; rm notes.txt");
                assertThat(parent.sh("cat src/app.txt notes.txt; ls src")).isEqualTo("v1\nnotes\napp.txt\n");

                String result = "result-" + McpSession.RUN;
                assertThat(child.call("persist", Map.of("name", result, "paths", List.of("src"))).isError())
                        .isFalse();
                assertThat(parent.sh("cat src/app.txt")).isEqualTo("v1\n");

                ToolResponse restored = parent.call("restore", Map.of("checkpoint", result));

                assertThat(restored.isError()).as(McpSession.text(restored)).isFalse();
                assertThat(parent.sh("cat src/app.txt src/new.txt notes.txt")).isEqualTo("v2\nmade-by-child\nnotes\n");
            }
        }
    }

    @Test
    void aForkSeesOnlyItsOwnAndItsForksCheckpointsWhileTheParentSeesAll() {
        try (McpSession parent = McpSession.open("fork-visibility")) {
            parent.sh("echo parent > f");
            String parentCheckpoint = "parent-private-" + McpSession.RUN;
            parent.call("persist", Map.of("name", parentCheckpoint));
            String childHandle = McpSession.structured(parent.call("fork", Map.of())).getString("conversation");
            try (McpSession child = McpSession.openExact(childHandle)) {
                String childCheckpoint = "child-work-" + McpSession.RUN;
                child.call("persist", Map.of("name", childCheckpoint));
                String grandHandle = McpSession.structured(child.call("fork", Map.of())).getString("conversation");
                String grandCheckpoint = "grandchild-work-" + McpSession.RUN;
                try (McpSession grandchild = McpSession.openExact(grandHandle)) {
                    grandchild.call("persist", Map.of("name", grandCheckpoint));

                    assertThat(visible(grandchild)).contains(grandCheckpoint).doesNotContain(childCheckpoint,
                            parentCheckpoint);
                    assertError(grandchild.call("restore", Map.of("checkpoint", childCheckpoint)), "NOT_FOUND",
                            childCheckpoint);
                }
                assertThat(visible(child)).contains(childCheckpoint, grandCheckpoint).doesNotContain(parentCheckpoint);
                assertError(child.call("restore", Map.of("checkpoint", parentCheckpoint)), "NOT_FOUND",
                        parentCheckpoint);
                assertError(child.call("delete_checkpoint", Map.of("checkpoint", parentCheckpoint)), "NOT_FOUND",
                        parentCheckpoint);
                assertThat(child.call("restore", Map.of("checkpoint", grandCheckpoint)).isError()).isFalse();
            }
            assertThat(visible(parent)).contains(parentCheckpoint, "child-work-" + McpSession.RUN,
                    "grandchild-work-" + McpSession.RUN);
        }
    }

    @Test
    void aForksPolicyIsNeverWiderThanItsParentsAndItsSandboxEnforcesIt() throws Exception {
        try (McpSession parent = McpSession.open("fork-policy")) {
            parent.sh("true");
            JsonObject fork = McpSession.structured(parent.call("fork", Map.of("memory_mib", 256, "pids", 64)));
            assertThat(fork.getJsonObject("policy").getLong("memory_bytes")).isEqualTo(256L << 20);

            try (McpSession child = McpSession.openExact(fork.getString("conversation"))) {
                JsonObject info = McpSession.structured(child.call("sandbox_info", Map.of()));
                assertThat(info.getLong("memory_bytes")).isEqualTo(256L << 20);
                assertThat(info.getInteger("pids")).isEqualTo(64);
                String prefix = info.getString("conversation_id").substring(0, 12);
                Path memory = HostInspection.cgroupsStartingWith(prefix).stream()
                        .filter(p -> p.toString().contains("/memory/")).findFirst().orElseThrow();
                assertThat(Files.readString(memory.resolve("memory.limit_in_bytes")).trim())
                        .isEqualTo(Long.toString(256L << 20));

                assertError(child.call("fork", Map.of("memory_mib", 512)), "FORBIDDEN", "memory 512 MiB > 256 MiB");
                assertError(child.call("fork", Map.of("pids", 65)), "FORBIDDEN", "processes 65 > 64");
                assertThat(child.call("fork", Map.of("pids", 32)).isError()).isFalse();
            }
            assertError(parent.call("fork", Map.of("memory_mib", 1 << 20)), "FORBIDDEN", "never wider");
        }
    }

    @Test
    void forksNestOnlyToTheConfiguredDepth() {
        String handle = McpSession.key("fork-depth");
        for (int depth = 1; depth <= 3; depth++) {
            try (McpSession level = McpSession.openExact(handle)) {
                level.sh("true");
                JsonObject fork = McpSession.structured(level.call("fork", Map.of()));
                assertThat(fork.getInteger("depth")).isEqualTo(depth);
                handle = fork.getString("conversation");
            }
        }
        try (McpSession deepest = McpSession.openExact(handle)) {
            assertError(deepest.call("fork", Map.of()), "FORBIDDEN", "3 levels");
        }
    }

    private static List<String> visible(McpSession mcp) {
        return McpSession.structured(mcp.call("list_checkpoints", Map.of())).getJsonArray("checkpoints").stream()
                .map(JsonObject.class::cast).map(c -> c.getString("name")).toList();
    }
}
