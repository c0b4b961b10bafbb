package dev.agentbox.tools;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.agentbox.McpSession;
import io.quarkiverse.mcp.server.test.McpAssured.ToolInfo;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.vertx.core.json.JsonObject;

/**
 * The tool list as an MCP client sees it, and how the protocol answers requests it cannot serve.
 */
@QuarkusTest
class McpSurfaceTest {

    private static final List<String> TOOLS = List.of("bash", "read_file", "write_file", "edit_file", "list_files",
            "search_files", "sandbox_info");

    @Test
    void everyToolIsListedWithADescriptionThatStatesItsLimits() {
        try (McpSession mcp = McpSession.open("surface-list")) {
            mcp.client().when().toolsList(page -> {
                assertThat(page.tools().stream().map(ToolInfo::name).toList()).containsAll(TOOLS);
                for (ToolInfo tool : page.tools()) {
                    assertThat(tool.description()).as(tool.name()).hasSizeGreaterThan(80);
                    assertThat(tool.inputSchema().getString("type")).isEqualTo("object");
                }
                ToolInfo bash = page.findByName("bash");
                assertThat(bash.description()).contains("30,000 characters").contains("120 s").contains("TIMEOUT")
                        .contains("OOM_KILLED").contains("PIDS_EXHAUSTED");
                assertThat(bash.inputSchema().getJsonArray("required")).containsExactly("command");
                assertThat(bash.inputSchema().getJsonObject("properties").getJsonObject("timeout_seconds")
                        .getString("type")).isEqualTo("integer");
                assertThat(page.findByName("read_file").description()).contains("2000 lines")
                        .contains("10,485,760 bytes");
            }).thenAssertResults();
        }
    }

    @Test
    void readOnlyToolsAndDestructiveToolsCarryTheirHints() {
        try (McpSession mcp = McpSession.open("surface-hints")) {
            mcp.client().when().toolsList(page -> {
                for (String name : List.of("read_file", "list_files", "search_files", "sandbox_info")) {
                    assertThat(page.findByName(name).annotations()).hasValueSatisfying(a -> {
                        assertThat(a.readOnlyHint()).as(name).isTrue();
                        assertThat(a.destructiveHint()).as(name).isFalse();
                    });
                }
                for (String name : List.of("bash", "write_file", "edit_file")) {
                    assertThat(page.findByName(name).annotations()).hasValueSatisfying(a -> {
                        assertThat(a.readOnlyHint()).as(name).isFalse();
                        assertThat(a.destructiveHint()).as(name).isTrue();
                    });
                }
            }).thenAssertResults();
        }
    }

    @Test
    void anUnknownToolGetsTheProtocolsInvalidParamsError() {
        try (McpSession mcp = McpSession.open("surface-unknown")) {
            mcp.client().when().toolsCall("no_such_tool").withArguments(Map.of())
                    .withErrorAssert(error -> assertThat(error.code()).isEqualTo(-32602)).send().thenAssertResults();
        }
    }

    @Test
    void aMalformedRequestGetsAParseErrorAndNoStackTrace() {
        String body = RestAssured.given().header("Accept", "application/json, text/event-stream")
                .contentType("application/json").body("{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": ")
                .post("/mcp").then().extract().asString();

        JsonObject error = new JsonObject(body).getJsonObject("error");
        assertThat(error.getInteger("code")).isEqualTo(-32700);
        assertThat(body).doesNotContain("Exception").doesNotContain("\tat ");
    }
}
