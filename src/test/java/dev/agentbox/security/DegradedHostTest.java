package dev.agentbox.security;

import static dev.agentbox.files.FileToolsAssertions.assertError;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.agentbox.McpSession;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * A host where cgroups cannot be used: the backend measures it, says so everywhere, and refuses to run commands
 * because full isolation is required by default.
 */
@QuarkusTest
@TestProfile(DegradedHostTest.NoCgroups.class)
class DegradedHostTest {

    public static class NoCgroups implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("agentbox.local.cgroup-root", "/nonexistent/cgroup");
        }
    }

    @Test
    void commandsAreRefusedWithTheMissingProtectionNamed() {
        try (McpSession mcp = McpSession.open("degraded-refused")) {
            assertError(mcp.call("bash", Map.of("command", "echo should not run")), "SANDBOX_UNAVAILABLE",
                    "no cgroup limits");
            assertError(mcp.call("bash", Map.of("command", "true")), "SANDBOX_UNAVAILABLE",
                    "agentbox.local.minimum-isolation=PARTIAL");
        }
    }

    @Test
    void readinessReportsTheBackendAsDownWithTheReason() {
        given().get("/q/health/ready").then().statusCode(503)
                .body("checks.find { it.name == 'sandbox-backend' }.status", equalTo("DOWN"))
                .body("checks.find { it.name == 'sandbox-backend' }.data.isolation", equalTo("PARTIAL"))
                .body("checks.find { it.name == 'sandbox-backend' }.data.unavailable", containsString("cgroup"));
        assertThat(given().get("/q/health/live").statusCode()).isEqualTo(200);
    }
}
