package dev.agentbox.sandbox.kubernetes;

import static dev.agentbox.files.FileToolsAssertions.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.agentbox.McpSession;
import dev.agentbox.sandbox.kubernetes.harness.KubernetesBackend;
import dev.agentbox.sandbox.local.LocalSandboxProvider;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.json.JsonObject;

/**
 * What a command sees of its pod: an unprivileged user with no capabilities, no_new_privs and a seccomp filter (the
 * exec helper's), a read-only system, no service account token, no network but loopback (the harness's stand-in for
 * the deny-all NetworkPolicy), and nothing of another conversation. The harness runs pods without gVisor, and
 * {@code sandbox_info} says so.
 */
@QuarkusTest
@TestProfile(KubernetesBackend.class)
class PodIsolationTest {

    @Inject
    LocalSandboxProvider local;

    @Test
    void commandsRunUnprivilegedWithNoNewPrivilegesAndSeccomp() {
        try (McpSession mcp = McpSession.open("pod-user")) {
            String status = mcp.sh("id -un; id -u; grep -E '^(CapEff|CapAmb|NoNewPrivs|Seccomp):' /proc/self/status"
                    + " | tr -s '\\t' ' '");

            assertThat(status).startsWith("agent\n1000\n").contains("CapEff: 0000000000000000")
                    .contains("CapAmb: 0000000000000000").contains("NoNewPrivs: 1").contains("Seccomp: 2");
        }
    }

    @Test
    void theSystemIsReadOnlyAndThePodHasNoTokenAndNoNetwork() {
        try (McpSession mcp = McpSession.open("pod-readonly")) {
            String out = mcp.bash("touch /usr/x /etc/x / 2>&1; ls /var/run/secrets/kubernetes.io 2>&1;"
                    + " cut -d: -f1 /proc/net/dev | tail -n +3; curl -sS -m 2 http://10.0.0.1/ 2>&1; true")
                    .getString("stdout");

            assertThat(out).contains("Read-only file system").contains("No such file or directory")
                    .doesNotContain("serviceaccount").contains("lo\n").doesNotContain("eth0")
                    .contains("Failed to connect");
        }
    }

    @Test
    void anotherConversationsWorkspaceIsInvisible() {
        String secret = "secret-" + UUID.randomUUID();
        try (McpSession owner = McpSession.open("pod-owner"); McpSession other = McpSession.open("pod-other")) {
            owner.sh("echo " + secret + " > secret.txt");

            // The secret is put together in the shell, so that this command's own record does not contain it.
            String seen = other.bash("cat /workspace/secret.txt 2>&1; s=secret-; grep -rs \"$s" + secret.substring(7)
                    + "\" /workspace /home /tmp /run /var 2>/dev/null | head -1; true").encode();

            assertThat(seen).doesNotContain(secret);
            assertError(other.call("read_file", Map.of("path", "../secret.txt")), "PATH_OUTSIDE_WORKSPACE",
                    "outside /workspace");
        }
    }

    @Test
    void sandboxInfoReportsThePodsMeasuredIsolationWithoutClaimingGvisor() {
        try (McpSession mcp = McpSession.open("pod-info")) {
            mcp.sh("true");

            JsonObject info = McpSession.structured(mcp.call("sandbox_info", Map.of()));

            assertThat(info.getString("backend")).isEqualTo("kubernetes");
            JsonObject isolation = info.getJsonObject("isolation");
            assertThat(isolation.getBoolean("no_capabilities")).isTrue();
            assertThat(isolation.getBoolean("read_only_system")).isTrue();
            assertThat(isolation.getJsonArray("missing").encode()).contains("not gVisor");
        }
    }

    @Test
    void theLocalBackendDoesNoHostWorkWhenKubernetesIsSelected() {
        assertThat(local.unavailableReason()).isEqualTo("the local backend has not started");
    }
}
