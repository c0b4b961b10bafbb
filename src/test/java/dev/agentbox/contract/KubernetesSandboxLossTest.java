package dev.agentbox.contract;

import dev.agentbox.sandbox.kubernetes.harness.KubeletHarness;
import dev.agentbox.sandbox.kubernetes.harness.KubernetesBackend;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * {@link SandboxLossContract} on the Kubernetes backend: the sandbox's pod is deleted under the running call (its
 * container is killed at once, as with a zero grace period or a node that went away).
 */
@QuarkusTest
@TestProfile(KubernetesBackend.class)
class KubernetesSandboxLossTest extends SandboxLossContract {

    @Override
    protected void killSandbox(String sandboxId) {
        KubeletHarness harness = KubeletHarness.current();
        harness.client().pods().inNamespace(KubeletHarness.NAMESPACE).withName(harness.podOf(sandboxId)).delete();
    }
}
