package dev.agentbox.auth;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.agentbox.McpSession;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import io.vertx.core.json.JsonObject;

/**
 * Everything belongs to a principal: another principal's conversation key names a different conversation, its jobs
 * and MCP sessions do not exist for anyone else (404 / NOT_FOUND, never 403, so nothing tells they exist), its audit
 * events are invisible; only the admin role lists and deletes every principal's conversations.
 */
@QuarkusTest
@TestProfile(AuthProfile.class)
class OwnershipTest {

    private static RequestSpecification as(String key, String conversation) {
        return given().header("Authorization", AuthProfile.bearer(key)).header(McpSession.HEADER,
                McpSession.key(conversation)).contentType(ContentType.JSON);
    }

    @Test
    void theSameConversationKeyNamesAnotherConversationForAnotherPrincipal() {
        String secret = "secret-" + UUID.randomUUID();
        as(AuthProfile.ALICE, "shared-key").body(Map.of("path", "secret.txt", "content", secret))
                .post("/api/tools/write_file").then().statusCode(200);

        as(AuthProfile.BOB, "shared-key").body(Map.of("path", "secret.txt")).post("/api/tools/read_file").then()
                .statusCode(404).body("reason", equalTo("NOT_FOUND"));
        String bobSees = as(AuthProfile.BOB, "shared-key").body(Map.of("command", "cat /workspace/* 2>&1; ls -a"))
                .post("/api/tools/bash").then().statusCode(200).extract().asString();
        assertThat(bobSees).doesNotContain(secret);
        String aliceId = as(AuthProfile.ALICE, "shared-key").body(Map.of()).post("/api/tools/sandbox_info").then()
                .extract().path("conversation_id");
        String bobId = as(AuthProfile.BOB, "shared-key").body(Map.of()).post("/api/tools/sandbox_info").then()
                .extract().path("conversation_id");
        assertThat(aliceId).isNotEqualTo(bobId);
    }

    @Test
    void anotherPrincipalsJobIsNotFoundOnEveryPath() {
        String job = as(AuthProfile.ALICE, "jobs-owner").body(Map.of("command", "sleep 30", "background", true))
                .post("/api/tools/bash").then().statusCode(200).extract().path("job_id");

        for (String path : List.of("/api/jobs/" + job, "/api/jobs/" + job + "/output")) {
            as(AuthProfile.BOB, "jobs-owner").get(path).then().statusCode(404).body("reason", equalTo("NOT_FOUND"));
        }
        as(AuthProfile.BOB, "jobs-owner").post("/api/jobs/" + job + "/kill").then().statusCode(404);
        as(AuthProfile.BOB, "jobs-owner").body(Map.of("job_id", job)).post("/api/tools/job_kill").then()
                .statusCode(404);
        try (McpSession bob = McpSession.open("jobs-owner", AuthProfile.bearer(AuthProfile.BOB))) {
            assertThat(McpSession.structured(bob.call("job_status", Map.of("job_id", job))).getString("reason"))
                    .isEqualTo("NOT_FOUND");
        }
        as(AuthProfile.ALICE, "jobs-owner").get("/api/jobs/" + job).then().statusCode(200)
                .body("status", equalTo("running"));
        as(AuthProfile.ALICE, "jobs-owner").post("/api/jobs/" + job + "/kill").then().statusCode(200);
    }

    @Test
    void anotherPrincipalsMcpSessionAndGuessedSessionIdsAreUnknown() {
        String session = AuthenticationTest.mcp(AuthProfile.bearer(AuthProfile.ALICE)).then().statusCode(200)
                .extract().header("Mcp-Session-Id");
        String list = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}";

        mcpCall(AuthProfile.ALICE, session, list).then().statusCode(200);
        mcpCall(AuthProfile.BOB, session, list).then().statusCode(404);
        given().header("Authorization", AuthProfile.bearer(AuthProfile.BOB)).header("Mcp-Session-Id", session)
                .delete("/mcp").then().statusCode(404);
        for (int i = 0; i < 20; i++) {
            mcpCall(AuthProfile.BOB, UUID.randomUUID().toString(), list).then().statusCode(404);
        }
        mcpCall(AuthProfile.ALICE, session, list).then().statusCode(200);
    }

    @Test
    void auditEventsAreVisibleToTheirPrincipalAndToAdministratorsOnly() {
        as(AuthProfile.ALICE, "audit-own").body(Map.of("command", "echo mine")).post("/api/tools/bash").then()
                .statusCode(200);

        given().header("Authorization", AuthProfile.bearer(AuthProfile.BOB)).queryParam("principal", "alice")
                .get("/api/audit").then().statusCode(200).body("events.size()", equalTo(0));
        given().header("Authorization", AuthProfile.bearer(AuthProfile.BOB)).get("/api/audit").then()
                .statusCode(200).body("events.principal", everyItem(equalTo("bob")));
        given().header("Authorization", AuthProfile.bearer(AuthProfile.ALICE))
                .queryParam("conversation", McpSession.key("audit-own")).get("/api/audit").then().statusCode(200)
                .body("events.arguments.command", hasItem("echo mine"));
        given().header("Authorization", AuthProfile.bearer(AuthProfile.ROOT)).queryParam("principal", "alice")
                .queryParam("tool", "bash").get("/api/audit").then().statusCode(200)
                .body("events.principal", everyItem(equalTo("alice")))
                .body("events.arguments.command", hasItem("echo mine"));
    }

    @Test
    void onlyAdministratorsListAndDeleteEveryPrincipalsConversations() {
        String conversationId = as(AuthProfile.BOB, "to-delete").body(Map.of("path", "f.txt", "content", "x"))
                .post("/api/tools/write_file").then().statusCode(200).extract().path("path") == null ? null
                        : as(AuthProfile.BOB, "to-delete").body(Map.of()).post("/api/tools/sandbox_info").then()
                                .extract().path("conversation_id");

        given().header("Authorization", AuthProfile.bearer(AuthProfile.ALICE)).get("/api/admin/conversations").then()
                .statusCode(403).body("reason", equalTo("FORBIDDEN"));
        given().header("Authorization", AuthProfile.bearer(AuthProfile.ALICE))
                .delete("/api/admin/conversations/" + conversationId).then().statusCode(403);
        given().header("Authorization", AuthProfile.bearer(AuthProfile.ROOT)).queryParam("principal", "bob")
                .get("/api/admin/conversations").then().statusCode(200).body("id", hasItem(conversationId));

        given().header("Authorization", AuthProfile.bearer(AuthProfile.ROOT))
                .delete("/api/admin/conversations/" + conversationId).then().statusCode(200)
                .body("principal", equalTo("bob"));

        given().header("Authorization", AuthProfile.bearer(AuthProfile.ROOT))
                .delete("/api/admin/conversations/" + conversationId).then().statusCode(404);
        as(AuthProfile.BOB, "to-delete").body(Map.of("path", "f.txt")).post("/api/tools/read_file").then()
                .statusCode(404);
        JsonObject deletion = new JsonObject(given().header("Authorization", AuthProfile.bearer(AuthProfile.ROOT))
                .queryParam("type", "admin").queryParam("limit", 1).get("/api/audit").then().statusCode(200).extract()
                .asString()).getJsonArray("events").getJsonObject(0);
        assertThat(deletion.getString("conversation")).isEqualTo(conversationId);
        assertThat(deletion.getString("principal")).isEqualTo("root");
    }

    private static io.restassured.response.Response mcpCall(String key, String session, String body) {
        return given().header("Authorization", AuthProfile.bearer(key)).header("Mcp-Session-Id", session)
                .header("MCP-Protocol-Version", "2025-11-25").header("Accept", "application/json, text/event-stream")
                .contentType(ContentType.JSON).body(body).post("/mcp");
    }
}
