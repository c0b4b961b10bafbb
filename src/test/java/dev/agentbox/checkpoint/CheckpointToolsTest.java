package dev.agentbox.checkpoint;

import static dev.agentbox.files.FileToolsAssertions.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.agentbox.McpSession;
import dev.agentbox.conversation.ConversationKey;
import io.quarkiverse.mcp.server.ToolResponse;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Checkpoints end to end over MCP: persist, change, restore, and everything is back byte for byte; restores into
 * other conversations; partial checkpoints; what bad names, unknown and damaged checkpoints get.
 */
@QuarkusTest
class CheckpointToolsTest {

    @Inject
    Checkpoints checkpoints;

    @Test
    void restoreBringsBackEveryFileByteForByteWithModesTimesAndSymlinks() {
        try (McpSession mcp = McpSession.open("cp-roundtrip")) {
            mcp.sh(Workspaces.MIXED);
            String before = Workspaces.manifest(mcp);
            String name = Workspaces.name("roundtrip");

            ToolResponse saved = mcp.call("persist", Map.of("name", name));
            assertThat(saved.isError()).as(McpSession.text(saved)).isFalse();
            mcp.sh("echo changed > src/main/App.java; rm -rf private 'with space'; echo new > added.txt;"
                    + " chmod 0777 run.sh; rm app-link; ln -s elsewhere app-link; rm hard-b; rm pipe");
            assertThat(Workspaces.manifest(mcp)).isNotEqualTo(before);

            ToolResponse restored = mcp.call("restore", Map.of("checkpoint", name));

            assertThat(restored.isError()).as(McpSession.text(restored)).isFalse();
            assertThat(Workspaces.manifest(mcp)).isEqualTo(before);
            assertThat(mcp.sh("readlink host-link; stat -c %U:%G src/main/App.java; test -e added.txt || echo gone"))
                    .isEqualTo("/etc/passwd\nagent:agent\ngone\n");
        }
    }

    @Test
    void persistReportsSizeChecksumAndSourceAndListsNewestFirst() {
        try (McpSession mcp = McpSession.open("cp-list")) {
            mcp.sh("echo one > a.txt");
            String first = Workspaces.name("list-first");
            String second = Workspaces.name("list-second");

            JsonObject saved = McpSession.structured(mcp.call("persist", Map.of("name", first)));
            mcp.call("persist", Map.of("name", second, "paths", List.of("a.txt")));
            JsonArray listed = McpSession.structured(mcp.call("list_checkpoints", Map.of()))
                    .getJsonArray("checkpoints");

            JsonObject checkpoint = saved.getJsonObject("checkpoint");
            assertThat(checkpoint.getString("name")).isEqualTo(first);
            assertThat(checkpoint.getLong("size_bytes")).isPositive();
            assertThat(checkpoint.getString("sha256")).hasSize(64);
            assertThat(checkpoint.getString("conversation")).isEqualTo(McpSession.key("cp-list"));
            assertThat(checkpoint.getString("created_at")).isNotBlank();
            List<String> names = listed.stream().map(JsonObject.class::cast).map(c -> c.getString("name")).toList();
            assertThat(names).containsSubsequence(second, first);
            JsonObject partial = listed.stream().map(JsonObject.class::cast)
                    .filter(c -> c.getString("name").equals(second)).findFirst().orElseThrow();
            assertThat(partial.getJsonArray("paths").getList()).containsExactly("a.txt");
        }
    }

    @Test
    void aCheckpointRestoresIntoAnotherConversationAsThatConversationsUser() {
        String name = Workspaces.name("handover");
        String before;
        try (McpSession yesterday = McpSession.open("cp-yesterday")) {
            yesterday.sh(Workspaces.MIXED);
            before = Workspaces.manifest(yesterday);
            assertThat(yesterday.call("persist", Map.of("name", name)).isError()).isFalse();
        }
        try (McpSession today = McpSession.open("cp-today")) {
            today.sh("echo mine > mine.txt");

            ToolResponse restored = today.call("restore", Map.of("checkpoint", name));

            assertThat(restored.isError()).as(McpSession.text(restored)).isFalse();
            assertThat(Workspaces.manifest(today)).isEqualTo(before);
            assertThat(today.sh("find . -not -user agent | wc -l")).isEqualTo("0\n");
        }
    }

    @Test
    void aPartialCheckpointReplacesOnlyItsPathsAndKeepsTheRest() {
        try (McpSession mcp = McpSession.open("cp-partial")) {
            mcp.sh("mkdir -p src docs && echo v1 > src/a && echo v1 > src/b && echo v1 > docs/d && echo v1 > top");
            String name = Workspaces.name("partial");
            assertThat(mcp.call("persist", Map.of("name", name, "paths", List.of("src", "/workspace/top"))).isError())
                    .isFalse();
            mcp.sh("echo v2 > src/a; rm src/b; echo new > src/c; echo v2 > docs/d; echo v2 > top; echo new > other");

            ToolResponse restored = mcp.call("restore", Map.of("checkpoint", name));

            assertThat(restored.isError()).as(McpSession.text(restored)).isFalse();
            assertThat(mcp.sh("cat src/a src/b top docs/d other; ls src")).isEqualTo("v1\nv1\nv1\nv2\nnew\na\nb\n");
        }
    }

    @Test
    void restoringChosenPathsOfAWholeCheckpointLeavesTheOthersAlone() {
        try (McpSession mcp = McpSession.open("cp-chosen")) {
            mcp.sh("mkdir -p keep take && echo v1 > keep/f && echo v1 > take/f");
            String name = Workspaces.name("chosen");
            mcp.call("persist", Map.of("name", name));
            mcp.sh("echo v2 > keep/f; echo v2 > take/f");

            ToolResponse restored = mcp.call("restore", Map.of("checkpoint", name, "paths", List.of("take")));

            assertThat(restored.isError()).as(McpSession.text(restored)).isFalse();
            assertThat(mcp.sh("cat keep/f take/f")).isEqualTo("v2\nv1\n");
            assertError(mcp.call("restore", Map.of("checkpoint", name, "paths", List.of("missing"))), "NOT_FOUND",
                    "missing");
        }
    }

    @Test
    void restoreRestartsTheSandboxAndSaysSo() {
        try (McpSession mcp = McpSession.open("cp-restart")) {
            mcp.sh("echo x > f");
            String name = Workspaces.name("restart");
            mcp.call("persist", Map.of("name", name));
            mcp.sh("sleep 301 > /dev/null 2>&1 & echo hello > /tmp/scratch");

            ToolResponse restored = mcp.call("restore", Map.of("checkpoint", name));

            assertThat(McpSession.text(restored)).contains("sandbox was restarted");
            assertThat(mcp.sh("ls /tmp; ps -eo args | grep -c '^sleep 301$' || true")).isEqualTo("0\n");
        }
    }

    @Test
    void badNamesTakenNamesAndUnknownCheckpointsGetClearErrors() {
        try (McpSession mcp = McpSession.open("cp-names")) {
            mcp.sh("echo x > f");
            String name = Workspaces.name("taken");
            mcp.call("persist", Map.of("name", name));

            assertError(mcp.call("persist", Map.of("name", "../escape")), "INVALID_ARGUMENT", "../escape");
            assertError(mcp.call("persist", Map.of("name", "a/b")), "INVALID_ARGUMENT", "a/b");
            assertError(mcp.call("persist", Map.of("name", ".hidden")), "INVALID_ARGUMENT", ".hidden");
            assertError(mcp.call("persist", Map.of("name", "x".repeat(65))), "INVALID_ARGUMENT", "65");
            assertError(mcp.call("persist", Map.of("name", name)), "ALREADY_EXISTS", name);
            assertError(mcp.call("persist", Map.of("name", Workspaces.name("p"), "paths", List.of("../../etc"))),
                    "PATH_OUTSIDE_WORKSPACE", "../../etc");
            assertError(mcp.call("persist", Map.of("name", Workspaces.name("p"), "paths", List.of("nope"))),
                    "NOT_FOUND", "nope");
            assertError(mcp.call("restore", Map.of("checkpoint", Workspaces.name("never"))), "NOT_FOUND",
                    "list_checkpoints");
            assertError(mcp.call("restore", Map.of("checkpoint", "../" + name)), "INVALID_ARGUMENT", "../");
        }
    }

    @Test
    void anotherPrincipalsCheckpointDoesNotExistForTheCaller() {
        ConversationKey stranger = new ConversationKey("someone-else", McpSession.key("cp-stranger"));
        String name = Workspaces.name("strangers");
        try (McpSession strangersAgent = McpSession.open("cp-stranger-helper")) {
            strangersAgent.sh("true");
        }
        checkpoints.persist(stranger, name, List.of()).await().indefinitely();
        try (McpSession mcp = McpSession.open("cp-caller")) {
            mcp.sh("echo mine > f");

            assertError(mcp.call("restore", Map.of("checkpoint", name)), "NOT_FOUND", name);
            assertError(mcp.call("delete_checkpoint", Map.of("checkpoint", name)), "NOT_FOUND", name);
            assertThat(mcp.call("list_checkpoints", Map.of()).structuredContent().toString()).doesNotContain(name);
            assertThat(mcp.sh("cat f")).isEqualTo("mine\n");
        }
        assertThat(checkpoints.list(stranger).await().indefinitely().checkpoints()).extracting(
                CheckpointResults.Entry::name).contains(name);
    }

    @Test
    void aCorruptedCheckpointIsRefusedAndTheWorkspaceAndSandboxStayAsTheyWere() throws Exception {
        try (McpSession mcp = McpSession.open("cp-corrupt")) {
            mcp.sh("head -c 100000 /dev/urandom > data.bin; echo v1 > f");
            String name = Workspaces.name("corrupt");
            mcp.call("persist", Map.of("name", name));
            mcp.sh("echo v2 > f; sleep 302 > /dev/null 2>&1 &");
            Path archive = Workspaces.checkpointDir("anonymous", name).resolve("archive.tar");
            try (RandomAccessFile file = new RandomAccessFile(archive.toFile(), "rw")) {
                file.seek(3000);
                int b = file.read();
                file.seek(3000);
                file.write(b ^ 0x40);
            }

            assertError(mcp.call("restore", Map.of("checkpoint", name)), "CHECKPOINT_CORRUPTED", "SHA-256");

            assertThat(mcp.sh("cat f; ps -eo args | grep -c '^sleep 302$'")).isEqualTo("v2\n1\n");
        }
    }

    @Test
    void deleteCheckpointFreesTheName() {
        try (McpSession mcp = McpSession.open("cp-delete")) {
            mcp.sh("echo x > f");
            String name = Workspaces.name("deleted");
            mcp.call("persist", Map.of("name", name));

            JsonObject deleted = McpSession.structured(mcp.call("delete_checkpoint", Map.of("checkpoint", name)));

            assertThat(deleted.getString("name")).isEqualTo(name);
            assertError(mcp.call("restore", Map.of("checkpoint", name)), "NOT_FOUND", name);
            assertThat(mcp.call("persist", Map.of("name", name)).isError()).isFalse();
        }
    }
}
