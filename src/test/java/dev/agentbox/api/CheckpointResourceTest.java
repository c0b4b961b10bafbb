package dev.agentbox.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.agentbox.McpSession;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

/**
 * Checkpoints and forks for curl users: /api/checkpoints and /api/conversations mirror the tools, with the same
 * reason codes as HTTP statuses.
 */
@QuarkusTest
class CheckpointResourceTest {

    private static RequestSpecification conversation(String key) {
        return given().header(McpSession.HEADER, key).contentType(ContentType.JSON);
    }

    private static String bash(String key, String command) {
        return conversation(key).body(Map.of("command", command)).post("/api/tools/bash").then().statusCode(200)
                .extract().path("stdout");
    }

    @Test
    void checkpointsAreMadeListedRestoredAndDeleted() {
        String key = McpSession.key("rest-checkpoints");
        String name = "rest-" + McpSession.RUN;
        bash(key, "mkdir -p src && echo v1 > src/a && echo v1 > b");

        conversation(key).body(Map.of("name", name, "paths", List.of("src"))).post("/api/checkpoints").then()
                .statusCode(201).body("checkpoint.name", equalTo(name)).body("checkpoint.paths[0]", equalTo("src"));
        conversation(key).body(Map.of("name", name)).post("/api/checkpoints").then().statusCode(409)
                .body("reason", equalTo("ALREADY_EXISTS"));
        conversation(key).get("/api/checkpoints").then().statusCode(200).body("checkpoints.name", hasItem(name));
        bash(key, "echo v2 > src/a; echo v2 > b");

        conversation(key).body(Map.of()).post("/api/checkpoints/" + name + "/restore").then().statusCode(200)
                .body("paths[0]", equalTo("src"));
        assertThat(bash(key, "cat src/a b")).isEqualTo("v1\nv2\n");

        conversation(key).delete("/api/checkpoints/" + name).then().statusCode(200).body("name", equalTo(name));
        conversation(key).body(Map.of()).post("/api/checkpoints/" + name + "/restore").then().statusCode(404)
                .body("reason", equalTo("NOT_FOUND"));
        conversation(key).get("/api/checkpoints").then().statusCode(200).body("checkpoints.name", not(hasItem(name)));
    }

    @Test
    void badRequestsGetTheToolsReasonCodes() {
        String key = McpSession.key("rest-bad");
        bash(key, "true");

        conversation(key).body(Map.of("name", "a b")).post("/api/checkpoints").then().statusCode(400)
                .body("reason", equalTo("INVALID_ARGUMENT"));
        conversation(key).body(Map.of("name", "x", "paths", "not-a-list")).post("/api/checkpoints").then()
                .statusCode(400).body("reason", equalTo("INVALID_ARGUMENT"));
        given().contentType(ContentType.JSON).get("/api/checkpoints").then().statusCode(400)
                .body("reason", equalTo("INVALID_ARGUMENT"));
    }

    @Test
    void aConversationIsForkedByKey() {
        String key = McpSession.key("rest-fork");
        bash(key, "echo seed > seed.txt");

        String child = given().contentType(ContentType.JSON).body(Map.of("pids", 100))
                .post("/api/conversations/" + key + "/fork").then().statusCode(201)
                .body("conversation", startsWith("fork-")).body("parent", equalTo(key))
                .body("policy.pids", equalTo(100)).extract().path("conversation");

        assertThat(bash(child, "cat seed.txt")).isEqualTo("seed\n");
        given().contentType(ContentType.JSON).body(Map.of("pids", 1_000_000))
                .post("/api/conversations/" + key + "/fork").then().statusCode(403)
                .body("reason", equalTo("FORBIDDEN"));
    }
}
