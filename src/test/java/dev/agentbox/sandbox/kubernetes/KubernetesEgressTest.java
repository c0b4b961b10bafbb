package dev.agentbox.sandbox.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.agentbox.McpSession;
import dev.agentbox.sandbox.kubernetes.harness.KubeletHarness;
import dev.agentbox.sandbox.kubernetes.harness.KubernetesBackend;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.json.JsonObject;

/**
 * Domain rules on the Kubernetes backend: a pod of a profile with domain rules gets the proxy variables, its profile's
 * NetworkPolicy lets it reach the server pods' proxy port, and the proxy knows it by its pod IP, and forgets that
 * address once the pod is gone. The harness gives pods loopback only, so no pod connects here: the harness is told to
 * report 127.0.0.1 as the pods' IP, and the test connects to the proxy from that address itself, as the pod would.
 */
@QuarkusTest
@TestProfile(KubernetesEgressTest.PodProxy.class)
class KubernetesEgressTest {

    private static final int PORT = freePort();
    private static final Map<String, String> WEB = Map.of("Agentbox-Egress-Profile", "web");

    public static class PodProxy extends KubernetesBackend {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>(super.getConfigOverrides());
            config.put("agentbox.egress.profiles.web.domains", "allowed.test:443");
            config.put("agentbox.egress.proxy.hosts.\"allowed.test\"", "192.0.2.10");
            config.put("agentbox.egress.proxy.system-resolver", "false");
            config.put("agentbox.kubernetes.egress-proxy-host", "127.0.0.1");
            config.put("agentbox.kubernetes.egress-proxy-port", Integer.toString(PORT));
            return config;
        }
    }

    @BeforeEach
    void podsReportLoopbackAsTheirAddress() {
        KubeletHarness.current().podIp("127.0.0.1");
    }

    @AfterEach
    void podsReportTheDefaultAddress() {
        KubeletHarness.current().podIp(KubeletHarness.DEFAULT_POD_IP);
    }

    @Test
    void aPodWithDomainRulesGoesThroughTheProxyWhichKnowsItByItsPodAddress() throws Exception {
        try (McpSession mcp = McpSession.open("k8s-egress", WEB)) {
            assertThat(mcp.sh("echo $HTTPS_PROXY $http_proxy")).isEqualTo("http://127.0.0.1:" + PORT + " http://127.0.0.1:"
                    + PORT + "\n");
            JsonObject info = McpSession.structured(mcp.call("sandbox_info", Map.of()));
            assertThat(info.getString("egress")).isEqualTo("web");
            assertThat(info.getJsonObject("egress_rules").getJsonArray("domains").encode()).contains("allowed.test");

            String blocked = throughProxy("CONNECT blocked.test:443 HTTP/1.1\r\nHost: blocked.test:443\r\n\r\n");
            assertThat(blocked).startsWith("HTTP/1.1 403").contains("EGRESS_BLOCKED").contains("blocked.test");
            String wrongPort = throughProxy("CONNECT allowed.test:22 HTTP/1.1\r\nHost: allowed.test:22\r\n\r\n");
            assertThat(wrongPort).startsWith("HTTP/1.1 403").contains("port 22 is not allowed");

            NetworkPolicy policy = KubeletHarness.current().client().network().v1().networkPolicies()
                    .inNamespace(KubeletHarness.NAMESPACE).list().getItems().stream()
                    .filter(p -> p.getMetadata().getName().startsWith("agentbox-egress-web-")).findFirst().orElseThrow();
            assertThat(policy.getSpec().getEgress()).anySatisfy(rule -> {
                assertThat(rule.getTo().get(0).getPodSelector().getMatchLabels())
                        .containsEntry("app.kubernetes.io/name", "agentbox-server");
                assertThat(rule.getPorts().get(0).getPort().getIntVal()).isEqualTo(PORT);
            });

            assertThat(mcp.call("delete_conversation", Map.of()).isError()).isFalse();
            await().atMost(Duration.ofSeconds(30)).until(() -> throughProxy("CONNECT allowed.test:443 HTTP/1.1\r\n"
                    + "Host: allowed.test:443\r\n\r\n").contains("does not come from a sandbox"));
        }
    }

    @Test
    void aPodWithoutDomainRulesIsNotServedByTheProxy() throws Exception {
        try (McpSession mcp = McpSession.open("k8s-no-egress")) {
            assertThat(mcp.sh("echo \"[$HTTPS_PROXY]\"")).isEqualTo("[]\n");
            assertThat(throughProxy("CONNECT allowed.test:443 HTTP/1.1\r\nHost: allowed.test:443\r\n\r\n"))
                    .startsWith("HTTP/1.1 403").contains("does not come from a sandbox");
        }
    }

    /** Sends a request head to the proxy from 127.0.0.1 and returns its answer, up to where it closes. */
    private static String throughProxy(String head) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", PORT)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readNBytes(4096), StandardCharsets.ISO_8859_1);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
