package dev.agentbox.contract;

import dev.agentbox.sandbox.kubernetes.harness.KubernetesBackend;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * {@link BashContract} on the Kubernetes backend, against the kubelet harness.
 */
@QuarkusTest
@TestProfile(KubernetesBackend.class)
class KubernetesBashTest extends BashContract {
}
