package dev.agentbox.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.agentbox.McpSession;
import io.vertx.core.json.JsonObject;

/**
 * Long foreground calls on every backend: progress while they run, and cancellation that kills the whole tree.
 */
abstract class LongRunningContract {

    @BeforeAll
    static void waitLikeAnMcpClient() {
        // McpAssured waits for responses with Awaitility's default timeout; a real client waits about 60 s.
        Awaitility.setDefaultTimeout(Duration.ofSeconds(60));
    }

    @AfterAll
    static void restoreAwaitility() {
        Awaitility.reset();
    }

    @Test
    void progressNotificationsArriveWhileAForegroundCallRuns() {
        try (McpSession mcp = McpSession.open("long-progress")) {
            mcp.client().when().toolsCall("bash").withArguments(Map.of("command", "for i in 1 2 3 4; do echo step $i;"
                    + " sleep 1; done")).withMetadata(Map.of("progressToken", "progress-1"))
                    .withAssert(r -> assertThat(McpSession.structured(r).getInteger("exit_code")).isZero())
                    .send().thenAssertResults();

            List<JsonObject> progress = mcp.client().snapshot().notifications().stream()
                    .filter(n -> "notifications/progress".equals(n.getString("method")))
                    .map(n -> n.getJsonObject("params")).toList();
            assertThat(progress).hasSizeBetween(2, 5);
            assertThat(progress).allSatisfy(p -> assertThat(p.getString("progressToken")).isEqualTo("progress-1"));
            assertThat(progress.get(progress.size() - 1).getString("message")).contains("running")
                    .contains("last: step");
            List<Double> values = progress.stream().map(p -> p.getDouble("progress")).toList();
            assertThat(values).isSorted();
        }
    }

    @Test
    void aCancelledCallKillsItsWholeProcessTreeWithinTwoSeconds() {
        try (McpSession mcp = McpSession.open("long-cancel"); McpSession observer = McpSession.open("long-cancel")) {
            JsonObject request = mcp.client().newRequest("tools/call").put("params", new JsonObject()
                    .put("name", "bash").put("arguments", new JsonObject()
                            .put("command", "setsid sleep 777 & nohup sleep 778 >/dev/null & sleep 779")));
            mcp.client().sendAndForget(request);
            await().atMost(Duration.ofSeconds(10)).until(() -> sleeping(observer) == 3);

            long cancelled = System.nanoTime();
            mcp.client().sendAndForget(mcp.client().newMessage("notifications/cancelled").put("params",
                    new JsonObject().put("requestId", request.getValue("id")).put("reason", "test")));

            await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(50)).until(() -> sleeping(observer) == 0);
            assertThat((System.nanoTime() - cancelled) / 1_000_000).isLessThan(2_000);
        }
    }

    /** Counts the test's sleepers from inside the sandbox, through a second session of the conversation. */
    private static long sleeping(McpSession observer) {
        return Long.parseLong(observer.sh("ps -eo args | grep -c '^sleep 77[789]$' || true").trim());
    }
}
