package dev.agentbox.auth;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.agentbox.McpSession;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/**
 * With authentication on, every way of calling without valid credentials gets a 401 HTTP status with a Bearer
 * challenge (never a JSON-RPC error, never a hang), and valid API keys and OIDC tokens work on MCP and REST. OIDC
 * tokens are signed by the test (see {@link TestTokens}) and verified by quarkus-oidc against a test provider.
 */
@QuarkusTest
@TestProfile(AuthProfile.class)
class AuthenticationTest {

    private static final String INITIALIZE = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":"
            + "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}";

    @Test
    void requestsWithoutCredentialsGet401WithABearerChallengeOnMcpAndRest() {
        mcp(null).then().statusCode(401).header("WWW-Authenticate", startsWith("Bearer"))
                .body("reason", equalTo("UNAUTHENTICATED"));
        given().contentType(ContentType.JSON).header(McpSession.HEADER, "k").body(Map.of("command", "true"))
                .post("/api/tools/bash").then().statusCode(401).header("WWW-Authenticate", startsWith("Bearer"));
        given().get("/api/tools").then().statusCode(401);
        given().get("/api/audit").then().statusCode(401);
    }

    @Test
    void getAndDeleteOnMcpWithoutCredentialsAreAnsweredNotLeftHanging() {
        given().header("Accept", "text/event-stream").get("/mcp").then().statusCode(401);
        given().header("Mcp-Session-Id", "whatever").delete("/mcp").then().statusCode(401);
        given().header("Authorization", "Bearer abk_not-a-key-we-know-0000000000000").get("/mcp").then()
                .statusCode(401);
    }

    @Test
    void unknownApiKeysAreRefused() {
        mcp("Bearer abk_wrong-key-000000000000000000000000").then().statusCode(401)
                .header("WWW-Authenticate", startsWith("Bearer"));
        mcp("Basic YWxpY2U6c2VjcmV0").then().statusCode(401);
        mcp("Bearer " + "x".repeat(5000)).then().statusCode(401);
    }

    @Test
    void expiredWrongAudienceWrongIssuerAndForgedTokensAreRefused() {
        String issuer = OidcTestServer.issuer();
        String expired = TestTokens.sign(issuer, "carol", TestTokens.AUDIENCE, Instant.now().minusSeconds(600));
        String otherAudience = TestTokens.sign(issuer, "carol", "some-other-service", Instant.now().plusSeconds(300));
        String otherIssuer = TestTokens.sign("http://127.0.0.1:1/evil", "carol", TestTokens.AUDIENCE,
                Instant.now().plusSeconds(300));
        String valid = TestTokens.token(issuer, "carol");
        String forged = valid.substring(0, valid.lastIndexOf('.') + 1) + "AAAA" + valid.substring(valid.lastIndexOf('.')
                + 5);

        for (String token : new String[] { expired, otherAudience, otherIssuer, forged }) {
            mcp("Bearer " + token).then().statusCode(401);
            given().header("Authorization", "Bearer " + token).get("/api/tools").then().statusCode(401);
        }
    }

    @Test
    void aTokenInTheQueryStringIsNeverAccepted() {
        String token = TestTokens.token(OidcTestServer.issuer(), "carol");

        given().contentType(ContentType.JSON).header("Accept", "application/json, text/event-stream")
                .queryParam("access_token", token).body(INITIALIZE).post("/mcp").then().statusCode(401)
                .body("message", containsString("never accepted"));
        given().queryParam("api_key", AuthProfile.ALICE).get("/api/tools").then().statusCode(401);
    }

    @Test
    void aValidOidcTokenAuthenticatesItsSubjectUnderThePrefix() {
        String token = TestTokens.token(OidcTestServer.issuer(), "carol");

        given().header("Authorization", "Bearer " + token).header(McpSession.HEADER, "oidc-" + McpSession.RUN)
                .contentType(ContentType.JSON).body(Map.of()).post("/api/tools/sandbox_info").then().statusCode(200)
                .body("principal", equalTo("oidc:carol"));
        try (McpSession mcp = McpSession.open("oidc-mcp", "Bearer " + token)) {
            assertThat(McpSession.structured(mcp.call("sandbox_info", Map.of())).getString("principal"))
                    .isEqualTo("oidc:carol");
        }
    }

    @Test
    void apiKeysAuthenticateTheirPrincipalOnMcpAndRest() {
        try (McpSession mcp = McpSession.open("key-mcp", AuthProfile.bearer(AuthProfile.ALICE))) {
            assertThat(mcp.sh("echo hello")).isEqualTo("hello\n");
            assertThat(McpSession.structured(mcp.call("sandbox_info", Map.of())).getString("principal"))
                    .isEqualTo("alice");
        }
        given().header("Authorization", AuthProfile.bearer(AuthProfile.BOB)).get("/api/tools").then().statusCode(200);
    }

    @Test
    void protectedResourceMetadataNamesTheAuthorizationServer() {
        Response challenge = mcp(null);
        assertThat(challenge.header("WWW-Authenticate")).contains("resource_metadata=");

        String metadata = given().get("/.well-known/oauth-protected-resource/mcp").then().statusCode(200).extract()
                .asString();
        // quarkus-oidc 3.33 sends this document without a Content-Type, so it is parsed here by hand.
        io.vertx.core.json.JsonObject json = new io.vertx.core.json.JsonObject(metadata);
        assertThat(json.getJsonArray("authorization_servers").getList()).contains(OidcTestServer.issuer());
        assertThat(json.getString("resource")).endsWith("/mcp");
    }

    @Test
    void healthNeedsNoCredentials() {
        given().get("/q/health/ready").then().statusCode(200);
        given().get("/q/health/live").then().statusCode(200);
    }

    @Test
    void metricsNeedTheMetricsOrAdminRole() {
        given().get("/q/metrics").then().statusCode(401);
        given().header("Authorization", AuthProfile.bearer(AuthProfile.ALICE)).get("/q/metrics").then()
                .statusCode(403);
        given().header("Authorization", AuthProfile.bearer(AuthProfile.METRICS)).get("/q/metrics").then()
                .statusCode(200).body(containsString("agentbox_tool_calls"));
    }

    static Response mcp(String authorization) {
        var request = given().contentType(ContentType.JSON).header("Accept", "application/json, text/event-stream");
        if (authorization != null) {
            request = request.header("Authorization", authorization);
        }
        return request.body(INITIALIZE).post("/mcp");
    }
}
