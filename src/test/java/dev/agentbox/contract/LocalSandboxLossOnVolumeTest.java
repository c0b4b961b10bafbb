package dev.agentbox.contract;

import dev.agentbox.sandbox.local.WorkspaceQuotaTest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * {@link SandboxLossContract} on the local backend with workspace volumes: the killed sandbox's mount of the volume
 * goes with it, and the next sandbox mounts the volume again with the workspace intact.
 */
@QuarkusTest
@TestProfile(WorkspaceQuotaTest.SmallQuota.class)
class LocalSandboxLossOnVolumeTest extends LocalSandboxLossTest {
}
