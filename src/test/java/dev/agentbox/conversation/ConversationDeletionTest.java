package dev.agentbox.conversation;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.agentbox.HostInspection;
import dev.agentbox.McpSession;
import io.quarkiverse.mcp.server.ToolResponse;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;

/**
 * Deleting a conversation is explicit: its sandbox stops with every process, its job records and shell state go, and
 * its files go only when asked. Checkpoints made in it stay.
 */
@QuarkusTest
class ConversationDeletionTest {

    private static final Path CONVERSATIONS = Path.of("target/agentbox-test-state/conversations");

    @Inject
    Conversations conversations;

    @Test
    void deletingKeepsTheFilesUnlessAskedButStopsEverythingElse() {
        try (McpSession mcp = McpSession.open("delete-keep")) {
            long uid = Long.parseLong(mcp.sh("echo kept > kept.txt; echo home > ~/.profile-note; cd /tmp;"
                    + " sleep 600 > /dev/null 2>&1 & id -u").trim());
            String id = McpSession.structured(mcp.call("sandbox_info", Map.of())).getString("conversation_id");
            assertThat(HostInspection.processesOfUser(uid)).isNotEmpty();

            ToolResponse deleted = mcp.call("delete_conversation", Map.of());

            assertThat(deleted.isError()).as(McpSession.text(deleted)).isFalse();
            assertThat(McpSession.structured(deleted).getBoolean("workspace_deleted")).isFalse();
            assertThat(HostInspection.processesOfUser(uid)).isEmpty();
            assertThat(HostInspection.cgroupsStartingWith(id.substring(0, 12))).isEmpty();
            assertThat(Path.of(HostInspection.RUNTIME_DIR, "conversations", id)).doesNotExist();
            assertThat(mcp.sh("cat kept.txt ~/.profile-note; pwd")).isEqualTo("kept\nhome\n/workspace\n");
            assertThat(McpSession.structured(mcp.call("list_jobs", Map.of())).getJsonArray("jobs")).hasSize(1);
        }
    }

    @Test
    void deletingWithTheWorkspaceRemovesEveryTraceAndTheNextCallStartsEmpty() {
        try (McpSession mcp = McpSession.open("delete-all")) {
            mcp.sh("echo gone > gone.txt");
            String name = "survives-" + McpSession.RUN;
            mcp.call("persist", Map.of("name", name));
            String id = McpSession.structured(mcp.call("sandbox_info", Map.of())).getString("conversation_id");
            assertThat(CONVERSATIONS.resolve(id)).isDirectory();

            ToolResponse deleted = mcp.call("delete_conversation", Map.of("workspace", true));

            assertThat(McpSession.structured(deleted).getBoolean("workspace_deleted")).isTrue();
            assertThat(CONVERSATIONS.resolve(id)).doesNotExist();
            assertThat(mcp.sh("ls -A /workspace | wc -l")).isEqualTo("0\n");
            assertThat(mcp.call("restore", Map.of("checkpoint", name)).isError()).isFalse();
            assertThat(mcp.sh("cat gone.txt")).isEqualTo("gone\n");
        }
    }

    @Test
    void anOperatorDeletesAConversationByKeyOverRest() {
        String key = McpSession.key("delete-rest");
        try (McpSession mcp = McpSession.open("delete-rest")) {
            mcp.sh("echo x > f; sleep 600 > /dev/null 2>&1 &");
            long uid = Long.parseLong(mcp.sh("id -u").trim());

            JsonObject body = new JsonObject(given().queryParam("workspace", true)
                    .when().delete("/api/conversations/" + key).then().statusCode(200).extract().asString());

            assertThat(body.getString("conversation")).isEqualTo(key);
            await().atMost(Duration.ofSeconds(10)).until(() -> HostInspection.processesOfUser(uid).isEmpty());
            assertThat(mcp.sh("ls -A | wc -l")).isEqualTo("0\n");
        }
        given().when().delete("/api/conversations/never-used-" + McpSession.RUN).then().statusCode(200);
        given().when().delete("/api/conversations/bad key").then().statusCode(400);
    }

    @Test
    void callsThatArriveDuringExclusiveWorkWaitForItAndThenGetAFreshSandbox() throws Exception {
        try (McpSession mcp = McpSession.open("exclusive-wait")) {
            mcp.sh("echo before > f");
            String before = McpSession.structured(mcp.call("sandbox_info", Map.of())).getString("sandbox_id");
            ConversationKey key = new ConversationKey(Callers.ANONYMOUS, McpSession.key("exclusive-wait"));
            CompletableFuture<Void> release = new CompletableFuture<>();
            CompletableFuture<Void> exclusive = conversations.exclusive(key, "test notice",
                    () -> Uni.createFrom().completionStage(release)).subscribeAsCompletionStage();

            CompletableFuture<String> waiting = CompletableFuture.supplyAsync(() -> mcp.sh("cat f"));
            Thread.sleep(1000);
            assertThat(waiting).isNotDone();
            release.complete(null);

            assertThat(waiting.get(30, TimeUnit.SECONDS)).isEqualTo("before\n");
            exclusive.get(30, TimeUnit.SECONDS);
            String after = McpSession.structured(mcp.call("sandbox_info", Map.of())).getString("sandbox_id");
            assertThat(after).isNotEqualTo(before);
        }
    }
}
