package dev.agentbox.sandbox.kubernetes.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Starts a {@link KubeletHarness} before the application and points the application's Kubernetes client and sandbox
 * backend at it.
 */
public class KubeletHarnessResource implements QuarkusTestResourceLifecycleManager {

    private KubeletHarness harness;

    @Override
    public Map<String, String> start() {
        try {
            harness = KubeletHarness.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // fabric8's own configuration, read where the Quarkus extension defers to it.
        System.setProperty("kubernetes.master", harness.url());
        System.setProperty("kubernetes.namespace", KubeletHarness.NAMESPACE);
        System.setProperty("kubernetes.trust.certificates", "true");
        System.setProperty("kubernetes.auth.tryKubeConfig", "false");
        System.setProperty("kubernetes.auth.tryServiceAccount", "false");
        System.setProperty("http2.disable", "true");
        return harness.serverConfig();
    }

    @Override
    public void stop() {
        if (harness != null) {
            harness.close();
        }
    }
}
