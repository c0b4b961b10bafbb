package dev.agentbox.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.agentbox.McpSession;
import dev.agentbox.sandbox.kubernetes.harness.KubeletHarness;
import dev.agentbox.sandbox.kubernetes.harness.KubernetesBackend;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * {@link IdleReapingContract} on the Kubernetes backend, plus what this backend adds: a stopped sandbox's pod is
 * deleted and its workspace claim kept.
 */
@QuarkusTest
@TestProfile(KubernetesIdleReapingTest.ShortLifetimes.class)
class KubernetesIdleReapingTest extends IdleReapingContract {

    public static class ShortLifetimes extends KubernetesBackend {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>(super.getConfigOverrides());
            config.putAll(SHORT_LIFETIMES);
            return config;
        }
    }

    @Override
    protected boolean isStopped(String sandboxId) {
        KubeletHarness harness = KubeletHarness.current();
        return harness.pods().stream().noneMatch(p -> harness.sandboxId(p).equals(sandboxId));
    }

    @Test
    void anIdleSandboxsPodIsDeletedAndItsClaimKept() {
        try (McpSession mcp = McpSession.open("idle-pod")) {
            String conversationId = McpSession.structured(mcp.call("sandbox_info", Map.of()))
                    .getString("conversation_id");
            KubeletHarness harness = KubeletHarness.current();
            assertThat(harness.podsOf(conversationId)).hasSize(1);

            await().atMost(Duration.ofSeconds(20)).until(() -> harness.podsOf(conversationId).isEmpty());

            assertThat(harness.claimsOf(conversationId)).hasSize(1);
            assertThat(harness.claimsOf(conversationId).get(0).getMetadata().getAnnotations())
                    .containsKey("agentbox.dev/last-active");
        }
    }
}
