package dev.agentbox.sandbox.kubernetes.harness;

import java.util.HashMap;
import java.util.Map;

/**
 * The Kubernetes backend with short timeouts, for tests that inject faults and want their bounded failures quickly:
 * pods get 6 s to become ready, API calls and short execs 3 s with one retry, and a foreground call waits 6 s before
 * it becomes a job.
 */
public class KubernetesFaults extends KubernetesBackend {

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> config = new HashMap<>(super.getConfigOverrides());
        config.putAll(Map.of("agentbox.kubernetes.ready-timeout", "6S", "agentbox.kubernetes.api-timeout", "3S",
                "agentbox.kubernetes.api-retries", "1", "agentbox.jobs.foreground-wait", "6S"));
        return config;
    }
}
