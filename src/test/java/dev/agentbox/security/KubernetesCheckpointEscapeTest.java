package dev.agentbox.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.agentbox.McpSession;
import dev.agentbox.sandbox.kubernetes.harness.KubeletHarness;
import dev.agentbox.sandbox.kubernetes.harness.KubernetesBackend;
import io.quarkiverse.mcp.server.ToolResponse;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Hostile archives on the Kubernetes backend, where the workspace shares its claim with the home directory and the
 * job records: a restore extracts in a pod that mounts neither, so no symlink or name in an archive reaches them.
 */
@QuarkusTest
@TestProfile(KubernetesBackend.class)
class KubernetesCheckpointEscapeTest {

    private Path canaryDir;
    private Path canary;

    @BeforeEach
    void plantCanary() throws Exception {
        canaryDir = Files.createTempDirectory("agentbox-canary-dir-");
        canary = Files.writeString(canaryDir.resolve("canary.txt"), "canary\n");
    }

    @AfterEach
    void removeCanary() throws Exception {
        Files.delete(canary);
        Files.delete(canaryDir);
    }

    @Test
    void symlinksInAnArchiveReachNeitherTheHomeDirectoryNorTheRecordsOnTheSameClaim() throws Exception {
        try (McpSession mcp = McpSession.open("kcpx-links")) {
            Path claim = claimOf(mcp);
            mcp.sh("echo untouched > keep; echo mine > ~/canary");
            String name = plant("links", """
                    add_link('home', '/home/agent')
                    add_file('home/canary', b'pwned')
                    add_link('up', '..')
                    add_file('up/home/canary', b'pwned')
                    add_link('records', '/var/lib/agentbox')
                    add_file('records/execs/planted', b'pwned')
                    add_file('inside/ok.txt', b'fine')
                    """);

            ToolResponse restored = mcp.call("restore", Map.of("checkpoint", name));

            if (restored.isError()) {
                assertThat(McpSession.structured(restored).getString("reason")).isEqualTo("ARCHIVE_FAILED");
                assertThat(mcp.sh("cat keep")).isEqualTo("untouched\n");
            }
            assertThat(Files.readString(claim.resolve("home/canary"))).isEqualTo("mine\n");
            assertThat(claim.resolve("agentbox/execs/planted")).doesNotExist();
            assertThat(mcp.sh("cat ~/canary")).isEqualTo("mine\n");
        }
    }

    @Test
    void dotDotNamesFailTheRestoreAndTouchNothingOnTheClaim() throws Exception {
        try (McpSession mcp = McpSession.open("kcpx-dotdot")) {
            Path claim = claimOf(mcp);
            mcp.sh("echo untouched > keep; echo mine > ~/canary");
            String name = plant("dotdot", """
                    add_file('inside/ok.txt', b'fine')
                    add_file('../home/canary', b'pwned')
                    add_file('inside/../../agentbox/execs/planted', b'pwned')
                    """);

            ToolResponse restored = mcp.call("restore", Map.of("checkpoint", name));

            assertThat(McpSession.structured(restored).getString("reason")).isEqualTo("ARCHIVE_FAILED");
            assertThat(mcp.sh("ls; cat keep ~/canary")).isEqualTo("keep\nuntouched\nmine\n");
            assertThat(claim.resolve("agentbox/execs/planted")).doesNotExist();
            assertThat(claim.resolve("restore")).doesNotExist();
        }
    }

    private String plant(String base, String members) throws Exception {
        String name = "kcpx-" + base + "-" + McpSession.RUN;
        HostileArchives.plant(HostileArchives.checkpointDir(name), name, canary, canaryDir, members);
        return name;
    }

    /** The harness's directory standing for the conversation's workspace claim. */
    private static Path claimOf(McpSession mcp) {
        String id = McpSession.structured(mcp.call("sandbox_info", Map.of())).getString("conversation_id");
        return KubeletHarness.current().claimDir("agentbox-" + id);
    }
}
