package dev.agentbox.checkpoint;

import dev.agentbox.sandbox.kubernetes.harness.KubernetesBackend;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * {@link CheckpointToolsTest} on the Kubernetes backend, against the kubelet harness: archives stream out of the
 * conversation's pod, restores go through a restore pod on the conversation's claim.
 */
@QuarkusTest
@TestProfile(KubernetesBackend.class)
class KubernetesCheckpointToolsTest extends CheckpointToolsTest {
}
