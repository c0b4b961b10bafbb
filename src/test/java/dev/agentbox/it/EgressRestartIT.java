package dev.agentbox.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.agentbox.egress.TestHosts;

/**
 * Egress across server restarts, with the packaged server: a sandbox with egress that outlives a crash of the server
 * gets its network and rules back (the table is rebuilt from scratch at start); a server stopped with its sandboxes
 * leaves no interface and no table behind; and a bad egress entry stops the start with a message naming it.
 */
class EgressRestartIT {

    private static final String TEST_ID = System.getProperty("agentbox.test.id", "test");
    private static final String PREFIX = "ab" + TEST_ID + "r";
    private static final String CONVERSATION = "egress-restart-" + Long.toString(System.currentTimeMillis(), 36);
    private static final Map<String, String> API = Map.of("Agentbox-Egress-Profile", "api");

    @Test
    void aSandboxWithEgressKeepsItsNetworkAcrossACrashAndLeavesNothingWhenStopped() throws Exception {
        Path state = Files.createTempDirectory("agentbox-egress-restart-").resolve("state");
        int proxyPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            proxyPort = socket.getLocalPort();
        }
        String[] args = { "-Dagentbox.local.uid-base=" + (Integer.getInteger("agentbox.test.uid-base", 2000000) + 60000),
                "-Dagentbox.egress.profiles.api.domains=api.internal.test:8080",
                "-Dagentbox.egress.proxy.hosts.\"api.internal.test\"=" + TestHosts.address(5),
                "-Dagentbox.egress.proxy.system-resolver=false",
                "-Dagentbox.egress.local.name-prefix=" + PREFIX,
                "-Dagentbox.egress.local.proxy-port=" + proxyPort,
                "-Dagentbox.egress.local.address-pool=10." + (200 + TestHosts.OCTET % 50) + ".128.0/20" };
        String cgroups = "agentbox-it-" + TEST_ID + "-egress";
        try (TestHosts hosts = new TestHosts()) {
            hosts.start(5, "api", 8080);
            try (ServerProcess server = new ServerProcess(state, cgroups, concat(args,
                    "-Dagentbox.sandbox.keep-on-shutdown=true"))) {
                server.start();
                assertThat(curl(server, "/before")).isEqualTo("api port 8080 path /before\n");
                String sandboxId = server.tool(CONVERSATION, "sandbox_info", Map.of()).body().getString("sandbox_id");

                server.crash();
                assertThat(run("nft", "list", "set", "inet", "agentbox_" + PREFIX, "ifaces")).contains(PREFIX);
                server.start();

                assertThat(server.log()).contains("Sandboxes of an earlier server taken over [count: 1]");
                assertThat(server.tool(CONVERSATION, "sandbox_info", Map.of()).body().getString("sandbox_id"))
                        .isEqualTo(sandboxId);
                assertThat(curl(server, "/after")).isEqualTo("api port 8080 path /after\n");
            }
            try (ServerProcess server = new ServerProcess(state, cgroups, concat(args,
                    "-Dagentbox.sandbox.keep-on-shutdown=false"))) {
                server.start();
                assertThat(curl(server, "/last")).isEqualTo("api port 8080 path /last\n");
            }
            assertThat(run("ip", "-o", "link", "show")).doesNotContain(PREFIX);
            assertThat(run("nft", "list", "tables")).doesNotContain("agentbox_" + PREFIX);
        } finally {
            ServerProcess.deleteRuntime(state);
        }
    }

    @Test
    void aBadEgressEntryStopsTheStartWithAMessageNamingIt() throws Exception {
        Path state = Files.createTempDirectory("agentbox-egress-bad-").resolve("state");
        try (ServerProcess server = new ServerProcess(state, "agentbox-it-" + TEST_ID + "-egress-bad",
                "-Dagentbox.egress.profiles.web.domains=ok.test,exa..mple.test:443")) {
            assertThatThrownBy(server::start).hasMessageContaining("The server exited")
                    .hasMessageContaining("Invalid egress configuration: agentbox.egress.profiles.web.domains entry "
                            + "'exa..mple.test:443'");
        } finally {
            ServerProcess.deleteRuntime(state);
        }
    }

    private static String curl(ServerProcess server, String path) throws Exception {
        ServerProcess.Response response = server.tool(CONVERSATION, API, "bash", Map.of("command",
                "curl -sS --max-time 10 http://api.internal.test:8080" + path));
        assertThat(response.status()).as(response.body().encode()).isEqualTo(200);
        return response.body().getString("stdout");
    }

    private static String[] concat(String[] args, String more) {
        String[] all = java.util.Arrays.copyOf(args, args.length + 1);
        all[args.length] = more;
        return all;
    }

    private static String run(String... command) throws Exception {
        return TestHosts.run(command);
    }
}
