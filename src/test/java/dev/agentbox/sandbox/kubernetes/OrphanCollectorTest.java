package dev.agentbox.sandbox.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.agentbox.sandbox.Sandbox;
import dev.agentbox.sandbox.SandboxSpec;
import dev.agentbox.sandbox.kubernetes.harness.KubeletHarness;

/**
 * What the orphan collector removes, and what it must leave alone. Time is a clock the test moves.
 */
class OrphanCollectorTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Map<String, String> CONFIG = Map.of("agentbox.kubernetes.collect-interval", "1H",
            "agentbox.sandbox.idle-timeout", "15M", "agentbox.kubernetes.workspace-retention", "7D");
    private static KubeletHarness harness;

    @BeforeAll
    static void startCluster() throws Exception {
        harness = KubeletHarness.open("orphans");
    }

    @AfterAll
    static void stopCluster() {
        harness.close();
    }

    @Test
    void anEvictedPodIsRemoved() {
        try (TestReplicas replicas = new TestReplicas(harness)) {
            PodSandboxProvider server = replicas.start(CONFIG);
            SandboxSpec spec = ReplicasTest.spec("evicted");
            Sandbox sandbox = server.open(spec).await().atMost(WAIT);
            String pod = harness.podOf(sandbox.id());

            harness.evict(pod, "The node was low on resource: ephemeral-storage.");
            await().atMost(WAIT).until(() -> !sandbox.isAlive());
            server.collectOrphans();

            await().atMost(WAIT).until(() -> harness.podsOf(spec.conversation().id()).isEmpty());
            assertThat(harness.claimsOf(spec.conversation().id())).hasSize(1);
        }
    }

    @Test
    void aPodNoServerHoldsIsRemovedOnceIdleButNotWhileAJobRuns() {
        MutableClock clock = new MutableClock(Instant.now());
        try (TestReplicas replicas = new TestReplicas(harness)) {
            PodSandboxProvider crashed = replicas.start(CONFIG, clock);
            SandboxSpec idle = ReplicasTest.spec("orphan-idle");
            SandboxSpec busy = ReplicasTest.spec("orphan-busy");
            crashed.open(idle).await().atMost(WAIT);
            Sandbox working = crashed.open(busy).await().atMost(WAIT);
            working.start(ReplicasTest.request("sleep 600")).await().atMost(WAIT);
            replicas.crash(crashed);
            PodSandboxProvider other = replicas.start(CONFIG, clock);

            other.collectOrphans();
            assertThat(harness.podsOf(idle.conversation().id())).as("not idle long enough yet").hasSize(1);
            clock.advance(Duration.ofMinutes(31));
            other.collectOrphans();

            await().atMost(WAIT).until(() -> harness.podsOf(idle.conversation().id()).isEmpty());
            assertThat(harness.podsOf(busy.conversation().id())).as("a running job keeps its pod").hasSize(1);
        }
    }

    @Test
    void aPodThisServerHoldsIsLeftToItsConversation() {
        MutableClock clock = new MutableClock(Instant.now());
        try (TestReplicas replicas = new TestReplicas(harness)) {
            PodSandboxProvider server = replicas.start(CONFIG, clock);
            SandboxSpec spec = ReplicasTest.spec("held");
            server.open(spec).await().atMost(WAIT);

            clock.advance(Duration.ofHours(2));
            server.collectOrphans();

            assertThat(harness.podsOf(spec.conversation().id())).hasSize(1);
        }
    }

    @Test
    void aWorkspaceClaimOutlivesItsPodForTheRetentionOnly() {
        MutableClock clock = new MutableClock(Instant.now());
        try (TestReplicas replicas = new TestReplicas(harness)) {
            PodSandboxProvider server = replicas.start(CONFIG, clock);
            SandboxSpec spec = ReplicasTest.spec("retention");
            Sandbox sandbox = server.open(spec).await().atMost(WAIT);
            sandbox.destroy().await().atMost(WAIT);
            await().atMost(WAIT).until(() -> harness.podsOf(spec.conversation().id()).isEmpty());

            clock.advance(Duration.ofDays(6));
            server.collectOrphans();
            assertThat(harness.claimsOf(spec.conversation().id())).hasSize(1);
            clock.advance(Duration.ofDays(2));
            server.collectOrphans();

            await().atMost(WAIT).until(() -> harness.claimsOf(spec.conversation().id()).isEmpty());
        }
    }
}
