package dev.agentbox.contract;

import static dev.agentbox.files.FileToolsAssertions.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.agentbox.McpSession;
import io.quarkiverse.mcp.server.ToolResponse;
import io.vertx.core.json.JsonObject;

/**
 * Jobs as an agent sees them, on every backend: following, offsets, listing, killing, bounds.
 */
abstract class JobsContract {

    @Test
    void aBackgroundCommandReturnsItsJobAtOnceAndCanBeFollowedToTheEnd() {
        try (McpSession mcp = McpSession.open("jobs-background")) {
            long started = System.nanoTime();
            JsonObject start = mcp.bash("for i in 1 2 3 4 5; do echo line $i; sleep 0.4; done; exit 4", true);
            assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(3_000);
            String jobId = start.getString("job_id");
            assertThat(start.getString("status")).isEqualTo("running");

            String output = mcp.follow(jobId);

            assertThat(output).isEqualTo("line 1\nline 2\nline 3\nline 4\nline 5\n");
            JsonObject status = McpSession.structured(mcp.call("job_status", Map.of("job_id", jobId)));
            assertThat(status.getString("status")).isEqualTo("exited");
            assertThat(status.getInteger("exit_code")).isEqualTo(4);
            assertThat(status.getString("mode")).isEqualTo("background");
            assertThat(status.getString("command")).startsWith("for i in 1 2 3 4 5");
        }
    }

    @Test
    void jobOutputWaitsForNewOutputAndReadsFromOffsetsAndTheTail() {
        try (McpSession mcp = McpSession.open("jobs-offsets")) {
            String jobId = mcp.bash("printf 'abcdefghij'; sleep 1; printf 'KLMNO'", true).getString("job_id");

            JsonObject waited = McpSession.structured(mcp.call("job_output", Map.of("job_id", jobId, "offset", 10,
                    "wait_seconds", 10)));
            assertThat(waited.getString("output")).isEqualTo("KLMNO");
            assertThat(waited.getLong("next_offset")).isEqualTo(15);

            JsonObject fromThree = McpSession.structured(mcp.call("job_output", Map.of("job_id", jobId, "offset", 3)));
            assertThat(fromThree.getString("output")).isEqualTo("defghijKLMNO");
            JsonObject tail = McpSession.structured(mcp.call("job_output", Map.of("job_id", jobId)));
            assertThat(tail.getString("output")).isEqualTo("abcdefghijKLMNO");
            await().atMost(Duration.ofSeconds(10)).until(() -> McpSession.structured(mcp.call("job_output",
                    Map.of("job_id", jobId, "offset", 15))).getBoolean("complete"));
        }
    }

    @Test
    void listJobsShowsEveryCallNewestFirst() {
        try (McpSession mcp = McpSession.open("jobs-list")) {
            mcp.sh("echo first");
            mcp.sh("echo second");
            String third = mcp.bash("sleep 5", true).getString("job_id");

            JsonObject list = McpSession.structured(mcp.call("list_jobs", Map.of()));

            List<String> commands = list.getJsonArray("jobs").stream()
                    .map(j -> ((JsonObject) j).getString("command")).toList();
            assertThat(commands).containsExactly("sleep 5", "echo second", "echo first");
            assertThat(list.getJsonArray("jobs").getJsonObject(0).getString("job_id")).isEqualTo(third);
            assertThat(list.getJsonArray("jobs").getJsonObject(0).getString("status")).isEqualTo("running");
            mcp.call("job_kill", Map.of("job_id", third));
        }
    }

    @Test
    void jobKillKillsTheTreeAndKillingAnEndedJobIsNoError() {
        try (McpSession mcp = McpSession.open("jobs-kill")) {
            String jobId = mcp.bash("setsid sleep 900 & sleep 901", true).getString("job_id");

            JsonObject killed = McpSession.structured(mcp.call("job_kill", Map.of("job_id", jobId)));

            assertThat(killed.getString("status")).isEqualTo("killed");
            assertThat(mcp.sh("pgrep -c -f 'sleep 90[01]' || true")).isEqualTo("0\n");
            ToolResponse again = mcp.call("job_kill", Map.of("job_id", jobId));
            assertThat(again.isError()).isFalse();
            assertThat(McpSession.structured(again).getString("status")).isEqualTo("killed");
        }
    }

    @Test
    void badJobRequestsGetClearErrors() {
        try (McpSession owner = McpSession.open("jobs-owner"); McpSession other = McpSession.open("jobs-other")) {
            String jobId = owner.bash("echo mine", true).getString("job_id");

            assertError(other.call("job_status", Map.of("job_id", jobId)), "NOT_FOUND", jobId);
            assertError(other.call("job_output", Map.of("job_id", jobId)), "NOT_FOUND", "list_jobs");
            assertError(owner.call("job_status", Map.of("job_id", "no-such-job")), "NOT_FOUND", "no-such-job");
            assertError(owner.call("job_status", Map.of("job_id", "../../etc")), "NOT_FOUND", "../../etc");
            assertError(owner.call("job_output", Map.of("job_id", jobId, "offset", -5)), "INVALID_ARGUMENT",
                    "not -5");
            assertError(owner.call("job_output", Map.of("job_id", jobId, "wait_seconds", 3600)), "INVALID_ARGUMENT",
                    "between 0 and 50");
            assertError(owner.call("job_output", Map.of("job_id", jobId, "stream", "both")), "INVALID_ARGUMENT",
                    "'both'");
        }
    }

    @Test
    void aFloodingJobStaysWithinItsOutputBounds() throws Exception {
        try (McpSession mcp = McpSession.open("jobs-flood")) {
            String jobId = mcp.bash("yes flood", true, 3).getString("job_id");
            String conversationId = McpSession.structured(mcp.call("sandbox_info", Map.of()))
                    .getString("conversation_id");

            await().atMost(Duration.ofSeconds(15)).until(() -> !McpSession.structured(mcp.call("job_status",
                    Map.of("job_id", jobId))).getString("status").equals("running"));

            JsonObject status = McpSession.structured(mcp.call("job_status", Map.of("job_id", jobId)));
            assertThat(status.getString("status")).isEqualTo("timed_out");
            assertThat(status.getLong("stdout_bytes")).isGreaterThan(50_000_000L);
            assertThat(Files.size(recordFile(conversationId, jobId, "stdout"))).isLessThanOrEqualTo(32 + 2 * 1024 * 1024);
            JsonObject middle = McpSession.structured(mcp.call("job_output", Map.of("job_id", jobId, "offset",
                    5_000_000)));
            assertThat(middle.getLong("skipped_bytes")).isPositive();
            assertThat(middle.getString("output")).contains("flood\nflood\n").hasSizeLessThanOrEqualTo(30_000);
        }
    }

    @Test
    void aShortCommandsRecordTakesNoMoreRoomThanItsOutput() throws Exception {
        try (McpSession mcp = McpSession.open("jobs-small-record")) {
            String jobId = mcp.bash("echo hi; echo oops >&2", false, 10).getString("job_id");
            String conversationId = McpSession.structured(mcp.call("sandbox_info", Map.of()))
                    .getString("conversation_id");

            // A record of every call is kept (jobs.retained per conversation): at full capture size each would take
            // megabytes of disk for three bytes of output.
            // Retried: the record may be on its way from the runtime tmpfs to the state directory.
            await().ignoreExceptions().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                assertThat(Files.size(recordFile(conversationId, jobId, "stdout"))).isEqualTo(32 + "hi\n".length());
                assertThat(Files.size(recordFile(conversationId, jobId, "stderr"))).isEqualTo(32 + "oops\n".length());
            });
        }
    }

    /**
     * @return where the backend keeps a file of a job's record, as this host sees it
     */
    protected abstract Path recordFile(String conversationId, String jobId, String file);

}
