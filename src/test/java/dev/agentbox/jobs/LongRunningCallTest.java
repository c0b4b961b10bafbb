package dev.agentbox.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.agentbox.McpSession;
import io.quarkiverse.mcp.server.ToolResponse;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;

/**
 * A foreground call far longer than the foreground wait, as an MCP client with a 60-second tool timeout experiences
 * it. The behaviour is backend-neutral (shell/Shell); it runs on the local backend only because it takes three
 * minutes, and the Kubernetes suite runs the same path with a short foreground wait.
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

            String output = mcp.follow(running.getString("job_id"));

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

}
