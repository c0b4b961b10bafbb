package dev.agentbox.sandbox.kubernetes;

import jakarta.inject.Singleton;

import io.fabric8.kubernetes.client.Config;
import io.quarkus.kubernetes.client.KubernetesConfigCustomizer;

/**
 * Bounds every request of the Kubernetes client by {@code agentbox.kubernetes.api-timeout} and
 * {@code agentbox.kubernetes.api-retries}: fabric8's defaults (10 retries with exponential backoff) would hold a
 * tool call for minutes while the API server is down. Applies only when the client is created, which only the
 * Kubernetes backend does.
 */
@Singleton
class KubernetesClientTuning implements KubernetesConfigCustomizer {

    private final KubernetesConfig config;

    KubernetesClientTuning(KubernetesConfig config) {
        this.config = config;
    }

    @Override
    public void customize(Config client) {
        int timeout = (int) Math.min(Integer.MAX_VALUE, config.apiTimeout().toMillis());
        client.setRequestTimeout(timeout);
        client.setConnectionTimeout(timeout);
        client.setRequestRetryBackoffLimit(Math.max(0, config.apiRetries()));
        client.setRequestRetryBackoffInterval(100);
    }
}
