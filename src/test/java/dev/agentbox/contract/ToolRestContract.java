package dev.agentbox.contract;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.agentbox.McpSession;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

/**
 * The REST surface for curl users: the same tools, conversations and reason codes as MCP.
 */

abstract class ToolRestContract {

    private static RequestSpecification conversation(String name) {
        return given().header(McpSession.HEADER, McpSession.key(name)).contentType(ContentType.JSON);
    }

    @Test
    void bashRunsACommandAndReturnsTheSameFieldsAsMcp() {
        conversation("rest-bash").body(Map.of("command", "echo hi; exit 2")).post("/api/tools/bash").then()
                .statusCode(200).body("exit_code", equalTo(2)).body("stdout", equalTo("hi\n"))
                .body("stderr", equalTo(""));
    }

    @Test
    void restAndMcpCallsOfOneKeyShareTheConversation() {
        conversation("rest-shared").body(Map.of("path", "notes.md", "content", "# from curl\n"))
                .post("/api/tools/write_file").then().statusCode(200).body("created", equalTo(true));

        try (McpSession mcp = McpSession.open("rest-shared")) {
            assertThat(mcp.sh("cat notes.md")).isEqualTo("# from curl\n");
        }
    }

    @Test
    void toolErrorsComeBackWithAStatusAndTheReasonCode() {
        conversation("rest-errors").body(Map.of("path", "missing.txt")).post("/api/tools/read_file").then()
                .statusCode(404).body("reason", equalTo("NOT_FOUND")).body("message", containsString("missing.txt"));
        conversation("rest-errors").body(Map.of("path", "../../etc/passwd")).post("/api/tools/read_file").then()
                .statusCode(400).body("reason", equalTo("PATH_OUTSIDE_WORKSPACE"));
        conversation("rest-errors").body(Map.of("command", "sleep 5", "timeout_seconds", 1)).post("/api/tools/bash")
                .then().statusCode(422).body("reason", equalTo("TIMEOUT")).body("details.exit_code", equalTo(137));
    }

    @Test
    void badRequestsAreRefusedWithAClearMessage() {
        given().contentType(ContentType.JSON).body(Map.of("command", "true")).post("/api/tools/bash").then()
                .statusCode(400).body("message", containsString("Agentbox-Conversation"));
        conversation("rest-bad").body(Map.of("command", "true")).post("/api/tools/no_such_tool").then()
                .statusCode(404).body("reason", equalTo("NOT_FOUND"))
                .body("message", containsString("the tools are bash, "));
        conversation("rest-bad").body(Map.of("command", "sleep 1", "timeout_seconds", "30")).post("/api/tools/bash")
                .then().statusCode(400).body("message", containsString("send 30 without quotes"));
        conversation("rest-bad").body("{\"command\": ").post("/api/tools/bash").then().statusCode(400)
                .body("reason", equalTo("INVALID_ARGUMENT")).body("message", containsString("not valid JSON"));
        conversation("rest-bad").body(Map.of("command", "true", "colour", "red")).post("/api/tools/bash").then()
                .statusCode(400).body("message", containsString("Unknown argument 'colour'"));
        given().header(McpSession.HEADER, "bad key!").contentType(ContentType.JSON).body(Map.of("command", "true"))
                .post("/api/tools/bash").then().statusCode(400).body("message", containsString("'bad key!'"));
    }

    @Test
    void theBodyIsReadAsJsonWhateverItsContentTypeAndMayBeLeftOutWithoutArguments() {
        // curl -d without -H 'Content-Type: application/json' sends application/x-www-form-urlencoded.
        given().header(McpSession.HEADER, McpSession.key("rest-content-type"))
                .contentType("application/x-www-form-urlencoded").body("{\"command\": \"echo form\"}")
                .post("/api/tools/bash").then().statusCode(200).body("stdout", equalTo("form\n"));
        given().header(McpSession.HEADER, McpSession.key("rest-content-type")).post("/api/tools/sandbox_info").then()
                .statusCode(200).body("conversation", equalTo(McpSession.key("rest-content-type")));
        conversation("rest-content-type").body("[\"ls\"]").post("/api/tools/bash").then().statusCode(400)
                .body("reason", equalTo("INVALID_ARGUMENT")).body("message", containsString("must be a JSON object"))
                .body("message", containsString("not array"));
    }

    @Test
    void theToolListMatchesMcp() {
        given().get("/api/tools").then().statusCode(200)
                .body("name", hasItems("bash", "read_file", "write_file", "edit_file", "list_files", "search_files",
                        "sandbox_info"))
                .body("find { it.name == 'bash' }.input_schema.required", hasItems("command"))
                .body("find { it.name == 'read_file' }.read_only", equalTo(true));
    }
}
