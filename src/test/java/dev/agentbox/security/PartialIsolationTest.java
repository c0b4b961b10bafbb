package dev.agentbox.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.agentbox.McpSession;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.json.JsonObject;

/**
 * The same host, with partial isolation explicitly accepted: commands run, still isolated by namespaces, a user of
 * their own and seccomp, and sandbox_info says exactly what is missing.
 */
@QuarkusTest
@TestProfile(PartialIsolationTest.PartialAccepted.class)
class PartialIsolationTest {

    public static class PartialAccepted implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("agentbox.local.cgroup-root", "/nonexistent/cgroup", "agentbox.local.minimum-isolation",
                    "PARTIAL");
        }
    }

    @Test
    void commandsRunAndSandboxInfoNamesWhatIsMissing() {
        try (McpSession mcp = McpSession.open("partial-accepted")) {
            assertThat(mcp.sh("id -u; grep Seccomp: /proc/self/status")).doesNotStartWith("0\n")
                    .contains("Seccomp:\t2");

            JsonObject isolation = McpSession.structured(mcp.call("sandbox_info", Map.of()))
                    .getJsonObject("isolation");
            assertThat(isolation.getString("level")).isEqualTo("PARTIAL");
            assertThat(isolation.getJsonArray("limits")).isEmpty();
            assertThat(isolation.getJsonArray("missing").encode()).contains("no cgroup limits");
            assertThat(isolation.getJsonArray("namespaces")).hasSize(6);
        }
    }
}
