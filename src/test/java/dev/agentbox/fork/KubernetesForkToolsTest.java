package dev.agentbox.fork;

import static dev.agentbox.files.FileToolsAssertions.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.agentbox.McpSession;
import dev.agentbox.sandbox.kubernetes.harness.KubeletHarness;
import dev.agentbox.sandbox.kubernetes.harness.KubernetesBackend;
import io.fabric8.kubernetes.api.model.Pod;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.json.JsonObject;

/**
 * {@link ForkToolsTest} on the Kubernetes backend, against the kubelet harness. A fork's limits are enforced by its
 * pod's resource limits there, not by cgroups of this host, so that scenario reads the pod instead.
 */
@QuarkusTest
@TestProfile(KubernetesBackend.class)
class KubernetesForkToolsTest extends ForkToolsTest {

    @Override
    void aForksPolicyIsNeverWiderThanItsParentsAndItsSandboxEnforcesIt() {
        // replaced below: the pod's limits stand for the host's cgroups
    }

    @Test
    void aForksPolicyIsNeverWiderThanItsParentsAndItsPodCarriesIt() {
        try (McpSession parent = McpSession.open("fork-policy-pod")) {
            parent.sh("true");
            JsonObject fork = McpSession.structured(parent.call("fork", Map.of("memory_mib", 256, "pids", 64)));

            try (McpSession child = McpSession.openExact(fork.getString("conversation"))) {
                JsonObject info = McpSession.structured(child.call("sandbox_info", Map.of()));
                assertThat(info.getLong("memory_bytes")).isEqualTo(256L << 20);
                String id = info.getString("conversation_id");
                Pod pod = KubeletHarness.current().podsOf(id).get(0);
                assertThat(pod.getSpec().getContainers().get(0).getResources().getLimits().get("memory").toString())
                        .isEqualTo("256Mi");

                assertError(child.call("fork", Map.of("memory_mib", 512)), "FORBIDDEN", "memory 512 MiB > 256 MiB");
                assertThat(child.call("fork", Map.of("pids", 32)).isError()).isFalse();
            }
            assertError(parent.call("fork", Map.of("memory_mib", 1 << 20)), "FORBIDDEN", "never wider");
        }
    }
}
