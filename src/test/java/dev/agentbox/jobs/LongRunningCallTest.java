package dev.agentbox.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.agentbox.HostInspection;
import dev.agentbox.McpSession;
import io.quarkiverse.mcp.server.ToolResponse;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;

/**
 * Long foreground calls, as an MCP client with a 60-second tool timeout experiences them.
 */
@QuarkusTest
class LongRunningCallTest {

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
    void aThreeMinuteForegroundCommandReturnsItsJobBeforeAnyClientTimeoutAndCompletesInFull() {
        try (McpSession mcp = McpSession.open("long-three-minutes")) {
            long started = System.nanoTime();
            ToolResponse response = mcp.call("bash", Map.of("command",
                    "for i in $(seq 1 180); do echo \"minute-long line $i\"; sleep 1; done; echo finished >&2",
                    "timeout_seconds", 400));
            long returnedAfter = (System.nanoTime() - started) / 1_000_000_000;

            assertThat(returnedAfter).isBetween(35L, 50L);
            JsonObject running = McpSession.structured(response);
            assertThat(running.getString("status")).isEqualTo("running");
            assertThat(running.getString("stdout")).startsWith("minute-long line 1\n");
            assertThat(McpSession.text(response)).contains("still running as job " + running.getString("job_id"))
                    .contains("job_output");

            String output = JobToolsTest.follow(mcp, running.getString("job_id"));

            assertThat(output).isEqualTo(IntStream.rangeClosed(1, 180).mapToObj(i -> "minute-long line " + i + "\n")
                    .collect(Collectors.joining()));
            JsonObject status = McpSession.structured(mcp.call("job_status", Map.of("job_id",
                    running.getString("job_id"))));
            assertThat(status.getString("status")).isEqualTo("exited");
            assertThat(status.getLong("duration_ms")).isGreaterThan(179_000L);
            JsonObject stderr = McpSession.structured(mcp.call("job_output", Map.of("job_id",
                    running.getString("job_id"), "stream", "stderr", "offset", 0)));
            assertThat(stderr.getString("output")).isEqualTo("finished\n");
        }
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
        try (McpSession mcp = McpSession.open("long-cancel")) {
            long uid = Long.parseLong(mcp.sh("id -u").trim());
            JsonObject request = mcp.client().newRequest("tools/call").put("params", new JsonObject()
                    .put("name", "bash").put("arguments", new JsonObject()
                            .put("command", "setsid sleep 777 & nohup sleep 778 >/dev/null & sleep 779")));
            mcp.client().sendAndForget(request);
            await().atMost(Duration.ofSeconds(10)).until(() -> sleeping(uid) == 3);

            long cancelled = System.nanoTime();
            mcp.client().sendAndForget(mcp.client().newMessage("notifications/cancelled").put("params",
                    new JsonObject().put("requestId", request.getValue("id")).put("reason", "test")));

            await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(50)).until(() -> sleeping(uid) == 0);
            assertThat((System.nanoTime() - cancelled) / 1_000_000).isLessThan(2_000);
        }
    }

    private static long sleeping(long uid) {
        return HostInspection.processesOfUser(uid).stream().filter(pid -> HostInspection.commandLine(pid)
                .matches("sleep 77[789]")).count();
    }
}
