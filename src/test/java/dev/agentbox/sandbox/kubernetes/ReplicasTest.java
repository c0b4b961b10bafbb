package dev.agentbox.sandbox.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.agentbox.conversation.ConversationKey;
import dev.agentbox.sandbox.ExecHandle;
import dev.agentbox.sandbox.ExecRequest;
import dev.agentbox.sandbox.ExecResult;
import dev.agentbox.sandbox.Sandbox;
import dev.agentbox.sandbox.SandboxSpec;
import dev.agentbox.sandbox.SurvivingSandbox;
import dev.agentbox.sandbox.kubernetes.harness.KubeletHarness;

/**
 * Several server replicas on one cluster, and one server before and after a crash: the server keeps nothing a
 * restart would lose, and concurrent first calls on two replicas make one pod and one claim.
 */
class ReplicasTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static KubeletHarness harness;

    @BeforeAll
    static void startCluster() throws Exception {
        harness = KubeletHarness.open("replicas");
    }

    @AfterAll
    static void stopCluster() {
        harness.close();
    }

    @Test
    void concurrentFirstCallsOnTwoReplicasMakeOnePodAndOneClaim() {
        try (TestReplicas replicas = new TestReplicas(harness)) {
            PodSandboxProvider first = replicas.start(Map.of());
            PodSandboxProvider second = replicas.start(Map.of());
            SandboxSpec spec = spec("race");

            List<CompletableFuture<Sandbox>> opens = IntStream.range(0, 8).mapToObj(i -> (i % 2 == 0 ? first : second)
                    .open(spec).subscribeAsCompletionStage()).toList();
            List<String> ids = opens.stream().map(f -> f.orTimeout(30, java.util.concurrent.TimeUnit.SECONDS).join().id())
                    .distinct().toList();

            assertThat(ids).hasSize(1);
            assertThat(harness.podsOf(spec.conversation().id())).hasSize(1);
            assertThat(harness.claimsOf(spec.conversation().id())).hasSize(1);
            assertThat(text(run(opens.get(1).join(), "echo from-second"))).isEqualTo("from-second\n");
        }
    }

    @Test
    void aRestartedServerFindsItsPodsAndTheirJobsWhetherTheyRanOnOrEnded() throws Exception {
        try (TestReplicas replicas = new TestReplicas(harness)) {
            PodSandboxProvider before = replicas.start(Map.of());
            SandboxSpec spec = spec("restart");
            Sandbox sandbox = before.open(spec).await().atMost(WAIT);
            ExecHandle runsOn = sandbox.start(request("for i in 1 2 3 4 5 6; do echo $i; sleep 0.5; done"))
                    .await().atMost(WAIT);
            ExecHandle ends = sandbox.start(request("echo quick; exit 4")).await().atMost(WAIT);
            ends.completion().await().atMost(WAIT);

            replicas.crash(before);
            PodSandboxProvider after = replicas.start(Map.of());
            List<SurvivingSandbox> survivors = after.survivors();

            SurvivingSandbox found = survivors.stream().filter(s -> s.conversation().equals(spec.conversation()))
                    .findFirst().orElseThrow();
            assertThat(found.sandbox().id()).isEqualTo(sandbox.id());
            ExecHandle followed = found.sandbox().exec(runsOn.id()).orElseThrow();
            ExecResult result = followed.completion().await().atMost(WAIT);
            assertThat(result.exitCode()).isZero();
            assertThat(text(result)).isEqualTo("1\n2\n3\n4\n5\n6\n");
            ExecResult ended = found.sandbox().exec(ends.id()).orElseThrow().result().orElseThrow();
            assertThat(ended.exitCode()).isEqualTo(4);
            assertThat(text(ended)).isEqualTo("quick\n");
            assertThat(found.sandbox().execs()).extracting(ExecHandle::id).contains(runsOn.id(), ends.id());
        }
    }

    @Test
    void aWarmPodGoesToTheFirstCallOfANewConversationAndThePoolRefills() {
        try (TestReplicas replicas = new TestReplicas(harness)) {
            PodSandboxProvider provider = replicas.start(Map.of("agentbox.kubernetes.warm-pool", "2",
                    "agentbox.kubernetes.installation", "warm"));
            await().atMost(WAIT).until(() -> readyWarmPods("warm") == 2);
            SandboxSpec spec = spec("warm");

            Sandbox sandbox = provider.open(spec).await().atMost(WAIT);

            assertThat(sandbox.id()).startsWith("agentbox-warm-");
            assertThat(harness.podsOf(spec.conversation().id())).singleElement().satisfies(p -> assertThat(
                    p.getMetadata().getAnnotations()).containsEntry("agentbox.dev/conversation-key",
                            spec.conversation()
                                    .key()));
            assertThat(harness.claimsOf(spec.conversation().id())).hasSize(1);
            assertThat(text(run(sandbox, "echo warm; ls -A /workspace | wc -l"))).isEqualTo("warm\n0\n");
            await().atMost(WAIT).until(() -> readyWarmPods("warm") == 2);
        }
    }

    @Test
    void concurrentFirstCallsOnTwoReplicasWithAWarmPoolStillMakeOneSandbox() {
        Map<String, String> warm = Map.of("agentbox.kubernetes.warm-pool", "3", "agentbox.kubernetes.installation",
                "warm-race");
        try (TestReplicas replicas = new TestReplicas(harness)) {
            PodSandboxProvider first = replicas.start(warm);
            PodSandboxProvider second = replicas.start(warm);
            await().atMost(WAIT).until(() -> readyWarmPods("warm-race") >= 3);
            SandboxSpec spec = spec("warm-race");

            List<CompletableFuture<Sandbox>> opens = IntStream.range(0, 6).mapToObj(i -> (i % 2 == 0 ? first : second)
                    .open(spec).subscribeAsCompletionStage()).toList();
            List<String> ids = opens.stream().map(f -> f.orTimeout(30, java.util.concurrent.TimeUnit.SECONDS).join().id())
                    .distinct().toList();

            assertThat(ids).hasSize(1);
            assertThat(harness.podsOf(spec.conversation().id())).hasSize(1);
            assertThat(harness.claimsOf(spec.conversation().id())).hasSize(1);
        }
    }

    private static long readyWarmPods(String installation) {
        return harness.pods().stream().filter(p -> installation.equals(p.getMetadata().getLabels().get(
                "agentbox.dev/installation")) && "warm".equals(p.getMetadata().getLabels().get("agentbox.dev/pool")))
                .filter(p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase())).count();
    }

    static SandboxSpec spec(String name) {
        return new SandboxSpec(new ConversationKey("anonymous", name + "-" + UUID.randomUUID()),
                TestReplicas.sandboxConfig(Map.of()).toLimits());
    }

    static ExecRequest request(String script) {
        return new ExecRequest(List.of("/bin/sh", "-c", script), null, "/workspace", Map.of(), Duration.ofSeconds(60),
                65536, 65536, Map.of("kind", "test"));
    }

    static ExecResult run(Sandbox sandbox, String script) {
        return sandbox.exec(request(script)).await().atMost(WAIT);
    }

    static String text(ExecResult result) {
        return new String(result.stdout().head(), StandardCharsets.UTF_8);
    }
}
