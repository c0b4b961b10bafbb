package dev.agentbox.sandbox.kubernetes.harness;

import java.util.List;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The test profile that runs the application on the Kubernetes backend against a {@link KubeletHarness}. Every test
 * class with this profile shares one application and one harness.
 */
public class KubernetesBackend implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("agentbox.sandbox.backend", "kubernetes",
                "agentbox.kubernetes.ready-timeout", "30S",
                "agentbox.kubernetes.termination-grace", "1S");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(KubeletHarnessResource.class));
    }

    @Override
    public String getConfigProfile() {
        return "test";
    }
}
