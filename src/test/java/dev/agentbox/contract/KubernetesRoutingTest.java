package dev.agentbox.contract;

import java.util.List;

import dev.agentbox.sandbox.kubernetes.harness.KubeletHarness;
import dev.agentbox.sandbox.kubernetes.harness.KubernetesBackend;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * {@link RoutingContract} on the Kubernetes backend, where a conversation's sandbox is a pod labelled with its id.
 */
@QuarkusTest
@TestProfile(KubernetesBackend.class)
class KubernetesRoutingTest extends RoutingContract {

    @Override
    protected List<String> sandboxesMadeFor(String conversationId) {
        return KubeletHarness.current().podsOf(conversationId).stream().map(p -> p.getMetadata().getName()).toList();
    }
}
