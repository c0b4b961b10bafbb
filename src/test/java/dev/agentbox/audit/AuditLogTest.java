package dev.agentbox.audit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.agentbox.McpSession;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Every tool call and sandbox change is an audit event with who, where, what (redacted and bounded), how it ended and
 * how long it took; the log is queryable by principal, conversation, tool, outcome and time, and exportable.
 */
@QuarkusTest
class AuditLogTest {

    private static JsonArray events(Map<String, Object> query) {
        return new JsonObject(given().queryParams(query).get("/api/audit").then().statusCode(200).extract()
                .asString()).getJsonArray("events");
    }

    @Test
    void aCallIsRecordedWithItsOutcomeExitCodeAndRedactedArguments() {
        Instant before = Instant.now();
        try (McpSession mcp = McpSession.open("audit-call")) {
            mcp.bash("curl -H 'Authorization: Bearer sk-live-abcdefghijklmnopqrstuv' https://x.test "
                    + "--password hunter2 >/dev/null 2>&1; export GITHUB_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789; "
                    + "exit 3");
            mcp.call("write_file", Map.of("path", "notes.txt", "content", "top secret file contents"));
        }

        JsonArray bash = events(Map.of("conversation", McpSession.key("audit-call"), "tool", "bash", "from",
                before.toString()));
        assertThat(bash.size()).isEqualTo(1);
        JsonObject event = bash.getJsonObject(0);
        assertThat(event.getString("type")).isEqualTo("tool_call");
        assertThat(event.getString("principal")).isEqualTo("anonymous");
        assertThat(event.getString("outcome")).isEqualTo("ok");
        assertThat(event.getInteger("exit_code")).isEqualTo(3);
        assertThat(event.getString("surface")).isEqualTo("mcp");
        assertThat(event.getString("sandbox")).isNotBlank();
        assertThat(event.getLong("duration_ms")).isNotNull();
        String command = event.getJsonObject("arguments").getString("command");
        assertThat(command).contains("curl", "[REDACTED]").doesNotContain("sk-live", "hunter2", "ghp_abcdef");

        JsonObject write = events(Map.of("conversation", McpSession.key("audit-call"), "tool", "write_file"))
                .getJsonObject(0);
        assertThat(write.encode()).doesNotContain("top secret").contains("24 bytes, sha256");
    }

    @Test
    void failuresCarryTheirReasonCode() {
        given().header(McpSession.HEADER, McpSession.key("audit-fail")).contentType(ContentType.JSON)
                .body(Map.of("path", "../../etc/shadow")).post("/api/tools/read_file").then().statusCode(400);

        JsonObject event = events(Map.of("conversation", McpSession.key("audit-fail"), "outcome", "error"))
                .getJsonObject(0);
        assertThat(event.getString("reason")).isEqualTo("PATH_OUTSIDE_WORKSPACE");
        assertThat(event.getString("surface")).isEqualTo("rest");
    }

    @Test
    void sandboxLifecycleChangesAreRecorded() {
        try (McpSession mcp = McpSession.open("audit-lifecycle")) {
            mcp.sh("true");
        }

        List<String> outcomes = events(Map.of("type", "sandbox", "conversation", McpSession.key("audit-lifecycle")))
                .stream().map(e -> ((JsonObject) e).getString("outcome")).toList();
        assertThat(outcomes).contains("created");
    }

    @Test
    void theLogIsExportableAsJsonLinesOldestFirst() {
        try (McpSession mcp = McpSession.open("audit-export")) {
            mcp.sh("echo one");
            mcp.sh("echo two");
        }

        String body = given().queryParam("conversation", McpSession.key("audit-export")).queryParam("tool", "bash")
                .get("/api/audit/export").then().statusCode(200).contentType("application/x-ndjson").extract()
                .asString();
        List<String> commands = body.lines().map(l -> new JsonObject(l).getJsonObject("arguments")
                .getString("command")).toList();
        assertThat(commands).containsExactly("echo one", "echo two");
    }

    @Test
    void badQueriesAreRefusedWithASentence() {
        given().queryParam("from", "yesterday").get("/api/audit").then().statusCode(400);
        given().queryParam("limit", 5000).get("/api/audit").then().statusCode(400);
    }

    @Test
    void metricsCountCallsAndSandboxes() {
        try (McpSession mcp = McpSession.open("audit-metrics")) {
            mcp.sh("true");
        }

        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).contains("agentbox_tool_calls_total{", "tool=\"bash\"", "agentbox_sandboxes_live",
                "agentbox_jobs_running", "agentbox_sandbox_creation_duration_seconds_bucket",
                "agentbox_tool_call_duration_seconds_bucket");
    }
}
