package dev.agentbox.egress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.agentbox.McpSession;
import io.quarkiverse.mcp.server.ToolResponse;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.json.JsonObject;

/**
 * A sandbox with the profile {@code api} (only {@code api.internal.test:8080}) against test hosts in network namespaces
 * of this machine: it reaches the API by name through the proxy, is refused quickly everywhere else with
 * {@code EGRESS_BLOCKED}, and every decision is published.
 */
@QuarkusTest
@TestProfile(EgressTestProfile.class)
class EgressTest {

    private static final Map<String, String> API = Map.of("Agentbox-Egress-Profile", "api");
    private static TestHosts hosts;

    @Inject
    EgressDecisions decisions;

    @ConfigProperty(name = "quarkus.http.test-port")
    int serverPort;

    @BeforeAll
    static void startHosts() throws Exception {
        hosts = new TestHosts();
        hosts.start(EgressTestProfile.API, "api", 8080, 8081);
        hosts.start(EgressTestProfile.OTHER, "other", 8080);
    }

    @AfterAll
    static void stopHosts() throws Exception {
        hosts.close();
    }

    @Test
    void theSandboxReachesTheAllowedHostByNameThroughTheProxy() {
        try (McpSession mcp = McpSession.open("egress-allowed", API)) {
            String plain = mcp.sh("curl -sS --max-time 10 http://api.internal.test:8080/plain");
            String tunnelled = mcp.sh("curl -sS --max-time 10 --proxytunnel http://api.internal.test:8080/tunnel");
            String conversation = conversationId(mcp);

            assertThat(plain).isEqualTo("api port 8080 path /plain\n");
            assertThat(tunnelled).isEqualTo("api port 8080 path /tunnel\n");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(decisions.of(conversation))
                    .filteredOn(d -> d.decision() == EgressDecision.Outcome.ALLOWED).hasSize(2)
                    .allSatisfy(d -> {
                        assertThat(d.host()).isEqualTo("api.internal.test");
                        assertThat(d.port()).isEqualTo(8080);
                        assertThat(d.address()).isEqualTo(TestHosts.address(EgressTestProfile.API));
                        assertThat(d.profile()).isEqualTo("api");
                        assertThat(d.sandboxId()).isNotBlank();
                        assertThat(d.bytesIn()).isPositive();
                        assertThat(d.bytesOut()).isPositive();
                    }));
        }
    }

    @Test
    void aSecondPortAndASecondHostAreRefusedWithEgressBlocked() {
        try (McpSession mcp = McpSession.open("egress-refused", API)) {
            JsonObject port = mcp.bash("curl -sS --max-time 10 http://api.internal.test:8081/; echo rc=$?");
            JsonObject host = mcp.bash("curl -sS --max-time 10 -w '%{http_code}' http://other.internal.test:8080/");
            JsonObject tunnel = mcp.bash("curl -sS --max-time 10 https://other.internal.test:8080/; echo rc=$?");
            String conversation = conversationId(mcp);

            assertThat(port.getString("stdout")).startsWith("EGRESS_BLOCKED: api.internal.test:8081 is not allowed")
                    .contains("port 8081 is not allowed for this host");
            assertThat(port.getString("note")).startsWith("EGRESS_BLOCKED:").contains("api.internal.test:8081");
            assertThat(host.getString("stdout")).startsWith("EGRESS_BLOCKED: other.internal.test:8080").endsWith("403");
            assertThat(host.getString("note")).contains("other.internal.test:8080");
            assertThat(tunnel.getString("stdout")).contains("rc=56");
            assertThat(tunnel.getString("stderr")).contains("403");
            assertThat(tunnel.getString("note")).contains("other.internal.test:8080");
            assertThat(decisions.of(conversation)).filteredOn(d -> d.decision() == EgressDecision.Outcome.BLOCKED)
                    .extracting(EgressDecision::destination).containsExactly("api.internal.test:8081",
                            "other.internal.test:8080", "other.internal.test:8080");
        }
    }

    @Test
    void theHostsLoopbackTheServersPortsAndEveryOtherAddressAreRefusedAtOnce() throws Exception {
        String hostAddress = TestHosts
                .run("sh", "-c", "ip -4 -o route get 198.51.100.1 | sed -n 's/.* src \\([0-9.]*\\).*/\\1/p'")
                .trim();
        try (McpSession mcp = McpSession.open("egress-host", API)) {
            String proxy = mcp.sh("echo $HTTP_PROXY").trim();
            String gateway = proxy.substring("http://".length(), proxy.lastIndexOf(':'));
            String direct = mcp.bash(String.join("; ",
                    "curl -sS --noproxy '*' --max-time 10 http://127.0.0.1:" + serverPort + "/q/health; echo rc=$?",
                    "curl -sS --noproxy '*' --max-time 10 http://" + gateway + ":" + serverPort + "/; echo rc=$?",
                    "curl -sS --noproxy '*' --max-time 10 http://" + hostAddress + ":" + serverPort + "/; echo rc=$?",
                    "curl -sS --noproxy '*' --max-time 10 http://" + TestHosts.address(EgressTestProfile.API)
                            + ":8080/; echo rc=$?",
                    "getent hosts api.internal.test; echo rc=$?")).getString("stdout");
            String viaProxy = mcp.bash("export NO_PROXY= no_proxy=; " + String.join("; ",
                    "curl -sS --max-time 10 http://127.0.0.1:" + serverPort + "/q/health; echo",
                    "curl -sS --max-time 10 http://localhost:" + serverPort + "/q/health; echo",
                    "curl -sS --max-time 10 http://" + gateway + ":" + proxy.substring(proxy.lastIndexOf(':') + 1)
                            + "/; echo"))
                    .getString("stdout");

            assertThat(direct.lines().filter(l -> l.startsWith("rc=")).toList()).as(direct)
                    .containsExactly("rc=7", "rc=7", "rc=7", "rc=7", "rc=2");
            assertThat(viaProxy.lines().filter(l -> !l.isBlank()).toList()).as(viaProxy).hasSize(3)
                    .allSatisfy(line -> assertThat(line).startsWith("EGRESS_BLOCKED:"));
        }
    }

    @Test
    void sandboxesWithoutAProfileHaveLoopbackOnlyAndSandboxInfoShowsTheRules() {
        try (McpSession none = McpSession.open("egress-none"); McpSession api = McpSession.open("egress-info", API)) {
            String interfaces = none.sh("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; echo \"[$HTTP_PROXY]\"");
            JsonObject noneInfo = McpSession.structured(none.call("sandbox_info", Map.of()));
            ToolResponse apiInfo = api.call("sandbox_info", Map.of());

            assertThat(interfaces).isEqualTo("lo\n[]\n");
            assertThat(noneInfo.getString("egress")).isEqualTo("none");
            assertThat(noneInfo.getJsonObject("egress_rules").getJsonArray("domains")).isEmpty();
            JsonObject rules = McpSession.structured(apiInfo).getJsonObject("egress_rules");
            assertThat(McpSession.structured(apiInfo).getString("egress")).isEqualTo("api");
            assertThat(rules.getJsonArray("domains").getList()).containsExactly("api.internal.test:8080");
            assertThat(rules.getJsonArray("cidrs")).isEmpty();
            assertThat(McpSession.text(apiInfo)).contains("Network: egress profile 'api'; domains api.internal.test:8080");
            assertThat(api.sh("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | sort")).isEqualTo("eth0\nlo\n");
        }
    }

    @Test
    void theProfileIsFixedWhileTheSandboxRunsAndUnknownProfilesAreRefused() {
        try (McpSession api = McpSession.open("egress-fixed", API);
                McpSession traps = McpSession.open("egress-fixed", Map.of("Agentbox-Egress-Profile", "traps"));
                McpSession unknown = McpSession.open("egress-unknown", Map.of("Agentbox-Egress-Profile", "wide"));
                McpSession unnamed = McpSession.open("egress-fixed")) {
            api.sh("true");

            ToolResponse switched = traps.call("bash", Map.of("command", "true"));
            ToolResponse missing = unknown.call("bash", Map.of("command", "true"));

            assertThat(switched.isError()).isTrue();
            assertThat(McpSession.text(switched)).startsWith("INVALID_ARGUMENT: This conversation's sandbox runs with "
                    + "egress profile 'api'");
            assertThat(missing.isError()).isTrue();
            assertThat(McpSession.text(missing)).isEqualTo("INVALID_ARGUMENT: Egress profile 'wide' does not exist; "
                    + "the profiles are none, api, traps.");
            assertThat(unnamed.sh("curl -sS --max-time 10 http://api.internal.test:8080/")).startsWith("api port 8080");
        }
    }

    static String conversationId(McpSession mcp) {
        return McpSession.structured(mcp.call("sandbox_info", Map.of())).getString("conversation_id");
    }
}
