package dev.agentbox.auth;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import dev.agentbox.McpSession;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/**
 * Per-principal quotas and rates: past them calls answer RATE_LIMITED (429 with Retry-After over REST) or
 * QUOTA_EXCEEDED, with a sentence that says what to do, and other principals are unaffected.
 */
@QuarkusTest
@TestProfile(AuthProfile.class)
class LimitsTest {

    private static Response call(String key, String conversation, String tool, Map<String, Object> arguments) {
        return given().header("Authorization", AuthProfile.bearer(key))
                .header(McpSession.HEADER, McpSession.key(conversation)).contentType(ContentType.JSON)
                .body(arguments).post("/api/tools/" + tool);
    }

    @Test
    void aPrincipalPastItsRateGets429WithRetryAfterAndOthersGoOn() {
        Response refused = null;
        for (int i = 0; i < AuthProfile.CALLS_PER_MINUTE * 3 && refused == null; i++) {
            // A malformed call is refused at once, yet counts against the rate like any other.
            Response response = call(AuthProfile.FLOOD, "flood", "job_status", Map.of("job_id", 5));
            if (response.statusCode() != 400) {
                refused = response;
            }
        }

        assertThat(refused).isNotNull();
        refused.then().statusCode(429).body("reason", equalTo("RATE_LIMITED"));
        assertThat(Long.parseLong(refused.header("Retry-After"))).isBetween(1L, 60L);
        try (McpSession mcp = McpSession.open("flood-mcp", AuthProfile.bearer(AuthProfile.FLOOD))) {
            // The bucket refills a little while the session opens; a few calls empty it again.
            String reason = null;
            for (int i = 0; i < 30 && !"RATE_LIMITED".equals(reason); i++) {
                reason = McpSession.structured(mcp.call("job_status", Map.of("job_id", 5))).getString("reason");
            }
            assertThat(reason).isEqualTo("RATE_LIMITED");
        }
        call(AuthProfile.BOB, "not-flooded", "list_jobs", Map.of()).then().statusCode(200);
    }

    @Test
    void aPrincipalHoldsAtMostItsQuotaOfSandboxes() {
        for (int i = 0; i < AuthProfile.SANDBOXES; i++) {
            call(AuthProfile.HOARDER, "hoard-" + i, "sandbox_info", Map.of()).then().statusCode(200);
        }

        call(AuthProfile.HOARDER, "hoard-extra", "sandbox_info", Map.of()).then().statusCode(429)
                .body("reason", equalTo("QUOTA_EXCEEDED"));
        call(AuthProfile.HOARDER, "hoard-0", "bash", Map.of("command", "true")).then().statusCode(200);
    }

    @Test
    void aPrincipalRunsAtMostItsQuotaOfJobs() {
        List<String> jobs = new ArrayList<>();
        for (int i = 0; i < AuthProfile.JOBS; i++) {
            jobs.add(call(AuthProfile.ALICE, "job-quota", "bash", Map.of("command", "sleep 60", "background", true))
                    .then().statusCode(200).extract().path("job_id"));
        }

        call(AuthProfile.ALICE, "job-quota", "bash", Map.of("command", "echo one more")).then().statusCode(429)
                .body("reason", equalTo("QUOTA_EXCEEDED"));
        call(AuthProfile.ALICE, "job-quota", "job_kill", Map.of("job_id", jobs.get(0))).then().statusCode(200);
        call(AuthProfile.ALICE, "job-quota", "bash", Map.of("command", "echo one more")).then().statusCode(200)
                .body("stdout", equalTo("one more\n"));
        jobs.forEach(job -> call(AuthProfile.ALICE, "job-quota", "job_kill", Map.of("job_id", job)));
    }

    @Test
    void aConversationRunsAtMostItsQuotaOfCallsAtOnce() {
        List<CompletableFuture<Integer>> calls = new ArrayList<>();
        for (int i = 0; i < AuthProfile.CONCURRENT_CALLS + 3; i++) {
            calls.add(CompletableFuture.supplyAsync(() -> call(AuthProfile.BOB, "busy", "bash",
                    Map.of("command", "sleep 2")).statusCode()));
        }

        List<Integer> statuses = calls.stream().map(CompletableFuture::join).toList();
        assertThat(statuses).contains(429).allMatch(s -> s == 200 || s == 429);
        assertThat(statuses.stream().filter(s -> s == 200).count()).isGreaterThanOrEqualTo(1);
    }
}
