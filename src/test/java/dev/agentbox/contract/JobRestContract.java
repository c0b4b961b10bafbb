package dev.agentbox.contract;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.agentbox.McpSession;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import io.vertx.core.json.JsonObject;

/**
 * Jobs for curl users: start with the bash tool, then list, follow (SSE), read and kill under /api/jobs.
 */

abstract class JobRestContract {

    private static RequestSpecification conversation(String name) {
        return given().header(McpSession.HEADER, McpSession.key(name)).contentType(ContentType.JSON);
    }

    @Test
    void aBackgroundJobIsFollowedLiveOverServerSentEvents() {
        String jobId = conversation("rest-follow").body(Map.of("command", "for i in 1 2 3; do echo tick $i; sleep 0.5;"
                + " done", "background", true)).post("/api/tools/bash").then().statusCode(200)
                .body("status", equalTo("running")).extract().path("job_id");

        String events = conversation("rest-follow").accept("text/event-stream").get("/api/jobs/" + jobId + "/follow")
                .then().statusCode(200).extract().asString();

        List<JsonObject> pieces = events.lines().filter(l -> l.startsWith("data:"))
                .map(l -> new JsonObject(l.substring(5))).toList();
        assertThat(pieces.stream().map(p -> p.getString("output")).reduce("", String::concat))
                .isEqualTo("tick 1\ntick 2\ntick 3\n");
        assertThat(pieces.get(pieces.size() - 1).getBoolean("complete")).isTrue();
        assertThat(pieces.get(pieces.size() - 1).getString("status")).isEqualTo("exited");
    }

    @Test
    void jobsAreListedReadAndKilled() {
        String jobId = conversation("rest-jobs").body(Map.of("command", "echo started; sleep 300", "background", true))
                .post("/api/tools/bash").then().statusCode(200).extract().path("job_id");

        conversation("rest-jobs").get("/api/jobs").then().statusCode(200).body("jobs[0].job_id", equalTo(jobId))
                .body("jobs[0].status", equalTo("running"));
        conversation("rest-jobs").queryParam("offset", 0).queryParam("wait_seconds", 5)
                .get("/api/jobs/" + jobId + "/output").then().statusCode(200).body("output", equalTo("started\n"));
        conversation("rest-jobs").post("/api/jobs/" + jobId + "/kill").then().statusCode(200)
                .body("status", equalTo("killed"));
        conversation("rest-jobs").get("/api/jobs/" + jobId).then().statusCode(200).body("status", equalTo("killed"));
    }

    @Test
    void unknownJobsAndBadQueriesGetReasonCodes() {
        conversation("rest-jobs-bad").get("/api/jobs/nosuchjob").then().statusCode(404)
                .body("reason", equalTo("NOT_FOUND"));
        String jobId = conversation("rest-jobs-bad").body(Map.of("command", "true", "background", true))
                .post("/api/tools/bash").then().extract().path("job_id");
        conversation("rest-jobs-bad").queryParam("offset", -1).get("/api/jobs/" + jobId + "/output").then()
                .statusCode(400).body("reason", equalTo("INVALID_ARGUMENT"));
        given().get("/api/jobs").then().statusCode(400).body("reason", equalTo("INVALID_ARGUMENT"));
    }
}
