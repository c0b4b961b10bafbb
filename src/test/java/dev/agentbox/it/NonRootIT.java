package dev.agentbox.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * A server started by an unprivileged user cannot build sandboxes: it must say so at start-up, report not ready, and
 * refuse every command instead of running it without isolation.
 */
class NonRootIT {

    @Test
    void withoutRootTheServerRefusesToRunCommandsAndSaysWhy() throws Exception {
        Path state = Files.createTempDirectory("agentbox-nonroot-").resolve("state");
        // Audit off: its store would refuse first (nobody cannot write the state directory); this is about sandboxes.
        try (ServerProcess server = new ServerProcess(state, "agentbox-nonroot", "-Dagentbox.audit.enabled=false")
                .launchedWith("setpriv",
                        "--reuid=65534", "--regid=65534", "--clear-groups")) {
            server.startAndAwait(503);

            ServerProcess.Response call = server.tool("nonroot", "bash", Map.of("command", "id > /tmp/ran"));

            assertThat(call.status()).isEqualTo(503);
            assertThat(call.body().getString("reason")).isEqualTo("SANDBOX_UNAVAILABLE");
            assertThat(call.body().getString("message")).contains("must run as root");
            assertThat(Path.of("/tmp/ran")).doesNotExist();
            assertThat(server.log()).contains("UNAVAILABLE: the local backend must run as root");
        }
    }
}
