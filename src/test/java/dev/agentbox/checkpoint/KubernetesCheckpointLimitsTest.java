package dev.agentbox.checkpoint;

import java.util.HashMap;
import java.util.Map;

import dev.agentbox.sandbox.kubernetes.harness.KubernetesBackend;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * {@link CheckpointLimitsTest} on the Kubernetes backend: the size limit stops an archive that streams out of a pod.
 */
@QuarkusTest
@TestProfile(KubernetesCheckpointLimitsTest.SmallLimitsOnKubernetes.class)
class KubernetesCheckpointLimitsTest extends CheckpointLimitsTest {

    public static class SmallLimitsOnKubernetes extends KubernetesBackend {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>(super.getConfigOverrides());
            config.putAll(new SmallLimits().getConfigOverrides());
            return config;
        }
    }
}
