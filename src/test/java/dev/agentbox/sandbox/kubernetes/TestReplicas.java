package dev.agentbox.sandbox.kubernetes;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import dev.agentbox.sandbox.SandboxConfig;
import dev.agentbox.sandbox.kubernetes.harness.KubeletHarness;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * Server replicas of the Kubernetes backend made in a plain test, without an application: each is a
 * {@link PodSandboxProvider} with its own client, watch and background tasks, on a harness of the test's own. Several
 * replicas on one harness stand for several server pods, or for one server before and after a restart.
 */
final class TestReplicas implements AutoCloseable {

    private final KubeletHarness harness;
    private final List<PodSandboxProvider> providers = new ArrayList<>();
    private final Map<PodSandboxProvider, KubernetesClient> clients = new HashMap<>();

    TestReplicas(KubeletHarness harness) {
        this.harness = harness;
    }

    /** Starts a replica with the given configuration on top of the defaults (and short test timeouts). */
    PodSandboxProvider start(Map<String, String> overrides, Clock clock) {
        SmallRyeConfig config = config(overrides);
        KubernetesClient client = harness.replicaClient();
        PodSandboxProvider provider = new PodSandboxProvider(() -> client, config.getConfigMapping(
                KubernetesConfig.class), config.getConfigMapping(SandboxConfig.class), json(), clock, null);
        provider.start(config.getConfigMapping(SandboxConfig.class).toLimits());
        providers.add(provider);
        clients.put(provider, client);
        return provider;
    }

    PodSandboxProvider start(Map<String, String> overrides) {
        return start(overrides, Clock.systemUTC());
    }

    /** Stops one replica as a crash of its server would: its watch and its exec streams go, its pods stay. */
    void crash(PodSandboxProvider provider) {
        provider.stop();
        clients.remove(provider).close();
    }

    static KubernetesConfig kubernetesConfig(Map<String, String> overrides) {
        return config(overrides).getConfigMapping(KubernetesConfig.class);
    }

    static SandboxConfig sandboxConfig(Map<String, String> overrides) {
        return config(overrides).getConfigMapping(SandboxConfig.class);
    }

    private static SmallRyeConfig config(Map<String, String> overrides) {
        Map<String, String> values = new HashMap<>(Map.of("agentbox.kubernetes.ready-timeout", "20S",
                "agentbox.kubernetes.api-timeout", "5S", "agentbox.kubernetes.termination-grace", "1S"));
        values.putAll(overrides);
        return new SmallRyeConfigBuilder()
                .withConverter(java.time.Duration.class, 200, new DurationConverter())
                .withConverter(MemorySize.class, 200, new MemorySizeConverter())
                .withMapping(KubernetesConfig.class).withMapping(SandboxConfig.class)
                .withSources(new PropertiesConfigSource(values, "test", 500))
                .build();
    }

    static ObjectMapper json() {
        return new ObjectMapper().findAndRegisterModules().disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    }

    @Override
    public void close() {
        providers.forEach(PodSandboxProvider::stop);
        clients.values().forEach(KubernetesClient::close);
    }
}
