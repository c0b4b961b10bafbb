package dev.agentbox.egress;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.agentbox.HostInspection;
import dev.agentbox.McpSession;
import dev.agentbox.conversation.Conversations;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * A stopped sandbox with egress leaves nothing on the host: no interface, no nftables element, no process in its
 * network namespace, no named namespace.
 */
@QuarkusTest
@TestProfile(EgressTestProfile.class)
class EgressTeardownTest {

    private static final String TABLE = "agentbox_ab" + HostInspection.TEST_ID;

    @Inject
    Conversations conversations;

    @Test
    void stoppingASandboxRemovesItsInterfaceItsRulesAndItsNamespace() throws Exception {
        String address;
        String namespace;
        try (McpSession mcp = McpSession.open("egress-teardown", Map.of("Agentbox-Egress-Profile", "api"))) {
            address = mcp.sh("ip -4 -o addr show dev eth0 | awk '{print $4}' | cut -d/ -f1").trim();
            namespace = mcp.sh("readlink /proc/self/ns/net").trim();
        }
        String hostInterface = TestHosts.run("ip", "-o", "route", "get", address).replaceAll("(?s).* dev (\\S+).*",
                "$1");
        assertThat(hostInterface).startsWith("ab" + HostInspection.TEST_ID);
        assertThat(TestHosts.run("nft", "list", "set", "inet", TABLE, "pins")).contains(address);
        String named = Files.exists(Path.of("/run/netns")) ? String.join(",", Path.of("/run/netns").toFile().list())
                : "";

        conversations.stopAll();

        assertThat(Path.of("/sys/class/net", hostInterface)).doesNotExist();
        assertThat(TestHosts.run("nft", "list", "set", "inet", TABLE, "pins")).doesNotContain(address);
        assertThat(TestHosts.run("nft", "list", "set", "inet", TABLE, "ifaces")).doesNotContain(hostInterface);
        assertThat(TestHosts.run("ip", "route", "show")).doesNotContain(address);
        assertThat(HostInspection.processesInNamespace("net", namespace)).isEmpty();
        assertThat(Files.exists(Path.of("/run/netns")) ? String.join(",", Path.of("/run/netns").toFile().list()) : "")
                .as("named network namespaces").isEqualTo(named);
    }
}
