package dev.agentbox.contract;

import java.nio.file.Path;

import dev.agentbox.sandbox.kubernetes.harness.KubeletHarness;
import dev.agentbox.sandbox.kubernetes.harness.KubernetesBackend;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * {@link JobsContract} on the Kubernetes backend, where job records live on the conversation's workspace claim (a
 * directory per claim in the harness).
 */
@QuarkusTest
@TestProfile(KubernetesBackend.class)
class KubernetesJobsTest extends JobsContract {

    @Override
    protected Path recordFile(String conversationId, String jobId, String file) {
        return KubeletHarness.current().claimDir("agentbox-" + conversationId).resolve("agentbox/execs")
                .resolve(jobId).resolve(file);
    }
}
