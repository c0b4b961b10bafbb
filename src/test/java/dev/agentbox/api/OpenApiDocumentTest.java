package dev.agentbox.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The OpenAPI document a curl user or a client generator reads: one operation per tool whose request body is exactly
 * the tool's input schema, the conversation header, and the error body with its reason codes.
 */
@QuarkusTest
class OpenApiDocumentTest {

    private static JsonObject document() {
        return new JsonObject(given().queryParam("format", "json").get("/q/openapi").then().statusCode(200).extract()
                .asString());
    }

    @Test
    void everyToolIsAnOperationWhoseBodyIsItsInputSchema() {
        JsonObject paths = document().getJsonObject("paths");
        JsonArray tools = new JsonArray(given().get("/api/tools").then().statusCode(200).extract().asString());

        assertThat(paths.fieldNames()).doesNotContain("/api/tools/{tool}");
        for (Object entry : tools) {
            JsonObject tool = (JsonObject) entry;
            JsonObject post = paths.getJsonObject("/api/tools/" + tool.getString("name")).getJsonObject("post");
            JsonObject body = post.getJsonObject("requestBody").getJsonObject("content")
                    .getJsonObject("application/json").getJsonObject("schema");
            JsonObject expected = tool.getJsonObject("input_schema");

            assertThat(post.getString("operationId")).isEqualTo(tool.getString("name"));
            assertThat(post.getString("description")).isEqualTo(tool.getString("description"));
            assertThat(body.getJsonObject("properties").fieldNames())
                    .containsExactlyInAnyOrderElementsOf(expected.getJsonObject("properties").fieldNames());
            for (String name : expected.getJsonObject("properties").fieldNames()) {
                assertThat(body.getJsonObject("properties").getJsonObject(name))
                        .isEqualTo(expected.getJsonObject("properties").getJsonObject(name));
            }
            assertThat(body.getJsonArray("required", new JsonArray()))
                    .isEqualTo(expected.getJsonArray("required"));
            assertThat(body.getBoolean("additionalProperties")).isFalse();
        }
    }

    @Test
    void toolOperationsNameTheConversationHeaderAndTheErrorBody() {
        JsonObject doc = document();
        JsonObject bash = doc.getJsonObject("paths").getJsonObject("/api/tools/bash").getJsonObject("post");

        JsonObject header = bash.getJsonArray("parameters").stream().map(JsonObject.class::cast)
                .filter(p -> p.getString("in").equals("header")).findFirst().orElseThrow();
        assertThat(header.getString("name")).isEqualTo("Agentbox-Conversation");
        assertThat(header.getBoolean("required")).isTrue();
        JsonObject responses = bash.getJsonObject("responses");
        assertThat(responses.fieldNames()).contains("200", "400", "403", "404", "409", "413", "422", "503");
        assertThat(responses.getJsonObject("422").getString("description")).contains("TIMEOUT", "OOM_KILLED");
        assertThat(responses.getJsonObject("404").getJsonObject("content").getJsonObject("application/json")
                .getJsonObject("schema").getString("$ref")).isEqualTo("#/components/schemas/ToolError");
        JsonObject error = doc.getJsonObject("components").getJsonObject("schemas").getJsonObject("ToolError");
        assertThat(error.getJsonObject("properties").getJsonObject("reason").getJsonArray("enum"))
                .contains("NOT_FOUND", "PATH_OUTSIDE_WORKSPACE", "SANDBOX_UNAVAILABLE");
        assertThat(error.getJsonArray("required")).containsExactly("reason", "message");
    }

    @Test
    void jobOperationsNeedTheConversationHeaderAndTheListingDoesNot() {
        JsonObject paths = document().getJsonObject("paths");

        for (String path : List.of("/api/jobs", "/api/jobs/{id}", "/api/jobs/{id}/output", "/api/jobs/{id}/follow")) {
            assertThat(paths.getJsonObject(path).getJsonObject("get").getJsonArray("parameters").stream()
                    .map(JsonObject.class::cast).map(p -> p.getString("name"))).as(path)
                    .contains("Agentbox-Conversation");
        }
        assertThat(paths.getJsonObject("/api/tools").getJsonObject("get").containsKey("parameters")).isFalse();
    }
}
