package dev.agentbox.sandbox.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.agentbox.McpSession;
import dev.agentbox.sandbox.kubernetes.harness.KubernetesBackend;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.json.JsonObject;

@QuarkusTest
@TestProfile(KubernetesBackend.class)
class PodSmokeTest {

    @Test
    void echoRunsInAPod() {
        try (McpSession mcp = McpSession.open("pod-smoke")) {
            JsonObject result = mcp.bash("echo hi; id; pwd; echo err >&2; exit 3");
            System.out.println(result.encodePrettily());
            assertThat(result.getInteger("exit_code")).isEqualTo(3);
            System.out.println(McpSession.structured(mcp.call("sandbox_info", Map.of())).encodePrettily());
        }
    }
}
