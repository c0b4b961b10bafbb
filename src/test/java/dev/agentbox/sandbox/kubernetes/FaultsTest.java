package dev.agentbox.sandbox.kubernetes;

import static dev.agentbox.files.FileToolsAssertions.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.agentbox.McpSession;
import dev.agentbox.sandbox.kubernetes.harness.KubeletHarness;
import dev.agentbox.sandbox.kubernetes.harness.KubernetesFaults;
import io.quarkiverse.mcp.server.ToolResponse;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.json.JsonObject;

/**
 * What a cluster in trouble does to tool calls: each fault becomes a tool error with a reason code and a sentence
 * that says what is wrong, within bounded time (never a hung call), and the next call after the fault is lifted
 * works. Faults are injected by the harness; see {@link KubernetesFaults} for the short timeouts.
 */
@QuarkusTest
@TestProfile(KubernetesFaults.class)
class FaultsTest {

    /** Generous: a failure must come well within this, however loaded the machine. */
    private static final long BOUND_MS = 30_000;

    @BeforeAll
    static void waitLikeAnMcpClient() {
        Awaitility.setDefaultTimeout(Duration.ofSeconds(60));
    }

    @AfterAll
    static void restoreAwaitility() {
        Awaitility.reset();
    }

    @AfterEach
    void liftFaults() {
        harness().faults().reset();
        harness().runtimeClasses().add("gvisor");
    }

    @Test
    void anApiServerThatIsDownFailsCallsWithSandboxUnavailableAndTheNextCallRecovers() {
        try (McpSession existing = McpSession.open("fault-down-existing");
                McpSession fresh = McpSession.open(
                        "fault-down-new")) {
            existing.sh("true");
            harness().faults().apiDown(true);

            assertError(timed(() -> existing.call("bash", Map.of("command", "echo hi"))), "SANDBOX_UNAVAILABLE",
                    "cannot be reached");
            assertError(timed(() -> fresh.call("bash", Map.of("command", "echo hi"))), "SANDBOX_UNAVAILABLE",
                    "Kubernetes API server");
            harness().faults().apiDown(false);

            await().atMost(Duration.ofSeconds(40)).until(() -> "hi\n".equals(existing.bash("echo hi")
                    .getString("stdout")));
            assertThat(fresh.sh("echo back")).isEqualTo("back\n");
        }
    }

    @Test
    void aSlowApiServerFailsCallsPastTheApiTimeoutAndTheNextCallRecovers() {
        try (McpSession mcp = McpSession.open("fault-slow")) {
            harness().faults().apiDelayMillis(8000);

            assertError(timed(() -> mcp.call("bash", Map.of("command", "true"))), "SANDBOX_UNAVAILABLE",
                    "Kubernetes API server");
            harness().faults().apiDelayMillis(0);

            await().atMost(Duration.ofSeconds(40)).until(() -> !mcp.call("bash", Map.of("command", "true")).isError());
        }
    }

    @Test
    void aConflictOnCreateUsesThePodAnotherReplicaMade() {
        try (McpSession mcp = McpSession.open("fault-conflict")) {
            harness().faults().conflictOnNextPodCreate();

            assertThat(mcp.sh("echo made")).isEqualTo("made\n");

            assertThat(harness().podsOf(conversationId(mcp))).hasSize(1);
        }
    }

    @Test
    void aClaimThatNeverBindsIsNamedAndTheNextCallRecoversOnceItBinds() {
        try (McpSession mcp = McpSession.open("fault-unbound")) {
            harness().faults().claimsNeverBind(name -> true);

            assertError(timed(() -> mcp.call("bash", Map.of("command", "true"))), "SANDBOX_UNAVAILABLE",
                    "is not bound");
            harness().faults().claimsNeverBind(name -> false);
            harness().bindClaims();

            assertThat(mcp.sh("echo bound")).isEqualTo("bound\n");
        }
    }

    @Test
    void anImageThatCannotBePulledIsNamed() {
        try (McpSession mcp = McpSession.open("fault-image")) {
            harness().faults().imagePullFails("failed to pull and unpack image: not found");

            ToolResponse failed = timed(() -> mcp.call("bash", Map.of("command", "true")));
            assertError(failed, "SANDBOX_UNAVAILABLE", "cannot be pulled");
            assertThat(McpSession.text(failed)).contains("ErrImagePull").contains("agentbox-sandbox");
            harness().faults().reset();
            harness().retryPendingPods();

            assertThat(mcp.sh("echo pulled")).isEqualTo("pulled\n");
        }
    }

    @Test
    void anUnschedulablePodSaysWhyInTheSchedulersWords() {
        try (McpSession mcp = McpSession.open("fault-unschedulable")) {
            harness().faults().unschedulable("0/3 nodes are available: 3 Insufficient memory.");

            assertError(timed(() -> mcp.call("bash", Map.of("command", "true"))), "SANDBOX_UNAVAILABLE",
                    "cannot be scheduled: 0/3 nodes are available: 3 Insufficient memory.");
            harness().faults().reset();
            harness().retryPendingPods();

            assertThat(mcp.sh("echo scheduled")).isEqualTo("scheduled\n");
        }
    }

    @Test
    void aMissingRuntimeClassIsNamedWithWhatWouldFixIt() {
        try (McpSession mcp = McpSession.open("fault-runtime-class")) {
            harness().runtimeClasses().remove("gvisor");

            assertError(timed(() -> mcp.call("bash", Map.of("command", "true"))), "SANDBOX_UNAVAILABLE",
                    "runtime class 'gvisor' does not exist");
            harness().runtimeClasses().add("gvisor");

            assertThat(mcp.sh("echo gvisor")).isEqualTo("gvisor\n");
        }
    }

    @Test
    void anExhaustedQuotaIsNamed() {
        try (McpSession mcp = McpSession.open("fault-quota")) {
            harness().faults().quotaExceededOnNextPodCreate();

            assertError(timed(() -> mcp.call("bash", Map.of("command", "true"))), "SANDBOX_UNAVAILABLE",
                    "resource quota");

            assertThat(mcp.sh("echo fits")).isEqualTo("fits\n");
        }
    }

    @Test
    void anEvictedPodFailsTheCallInFlightWithSandboxLostAndTheNextCallGetsANewPod() {
        try (McpSession mcp = McpSession.open("fault-evicted")) {
            mcp.sh("echo kept > kept.txt");
            String before = McpSession.structured(mcp.call("sandbox_info", Map.of())).getString("sandbox_id");
            CompletableFuture<ToolResponse> inFlight = CompletableFuture.supplyAsync(() -> mcp.call("bash",
                    Map.of("command", "sleep 30")));
            await().atMost(Duration.ofSeconds(10)).until(() -> running("fault-evicted", "sleep 30"));

            harness().evict(harness().podOf(before), "The node was low on resource: ephemeral-storage.");

            assertError(timed(inFlight::join), "SANDBOX_LOST", "evicted");
            ToolResponse next = mcp.call("bash", Map.of("command", "cat kept.txt"));
            assertThat(McpSession.structured(next).getString("stdout")).isEqualTo("kept\n");
            assertThat(McpSession.text(next)).startsWith("Note: This conversation's previous sandbox was lost");
        }
    }

    @Test
    void aDroppedExecStreamLosesNeitherTheCommandNorItsResult() {
        try (McpSession mcp = McpSession.open("fault-drop")) {
            mcp.sh("true");
            harness().faults().dropNextExecAfter(300);

            JsonObject result = mcp.bash("sleep 1; echo done; exit 5");

            assertThat(result.getInteger("exit_code")).isEqualTo(5);
            assertThat(result.getString("stdout")).isEqualTo("done\n");
        }
    }

    @Test
    void aForegroundCallLongerThanTheWaitBecomesAJobThatCompletesInFull() {
        try (McpSession mcp = McpSession.open("fault-long")) {
            JsonObject running = mcp.bash("echo early; sleep 8; echo late");

            assertThat(running.getString("status")).isEqualTo("running");
            assertThat(running.getString("stdout")).isEqualTo("early\n");
            assertThat(mcp.follow(running.getString("job_id"))).isEqualTo("early\nlate\n");
        }
    }

    @Test
    void aRestoreWhoseStreamDropsLeavesTheWorkspaceAsItWasAndTheNextRestoreWorks() {
        try (McpSession mcp = McpSession.open("fault-restore-drop")) {
            mcp.sh("mkdir -p src && echo v1 > src/a && echo v1 > top && head -c 1000000 /dev/urandom > src/blob");
            String name = "drop-" + McpSession.RUN;
            assertThat(mcp.call("persist", Map.of("name", name)).isError()).isFalse();
            mcp.sh("echo v2 > src/a; echo v2 > top; echo new > added");
            // Half of the archive reaches the restore pod; its extraction then sees the end of its input.
            harness().faults().dropNextExecIntoAfterInput(pod -> pod.endsWith("-restore"), 500_000);

            ToolResponse failed = timed(() -> mcp.call("restore", Map.of("checkpoint", name)));

            assertError(failed, "SANDBOX_UNAVAILABLE", "the workspace is unchanged");
            assertThat(mcp.sh("cat src/a top added")).isEqualTo("v2\nv2\nnew\n");
            ToolResponse restored = mcp.call("restore", Map.of("checkpoint", name));
            assertThat(restored.isError()).as(McpSession.text(restored)).isFalse();
            assertThat(mcp.sh("cat src/a top; test -e added || echo gone")).isEqualTo("v1\nv1\ngone\n");
            assertThat(harness().pods()).noneMatch(p -> p.getMetadata().getName().endsWith("-restore"));
        }
    }

    @Test
    void aRestorePodEvictedMidwayFailsTheRestoreInTheClustersWordsAndLeavesTheWorkspace() throws Exception {
        try (McpSession mcp = McpSession.open("fault-restore-evict")) {
            mcp.sh("echo v1 > f && head -c 1000000 /dev/urandom > blob");
            String name = "evict-" + McpSession.RUN;
            assertThat(mcp.call("persist", Map.of("name", name)).isError()).isFalse();
            mcp.sh("echo v2 > f; echo new > added");
            String restorePod = "agentbox-" + conversationId(mcp) + "-restore";
            Path extracting = harness().claimDir("agentbox-" + conversationId(mcp))
                    .resolve("restore/workspace/blob");
            // Half of the archive reaches the restore pod, which then waits for the rest until it is evicted.
            harness().faults().stallNextExecIntoAfterInput(restorePod::equals, 500_000);
            CompletableFuture<ToolResponse> restore = CompletableFuture.supplyAsync(
                    () -> mcp.call("restore", Map.of("checkpoint", name)));
            await().until(() -> Files.exists(extracting));

            harness().evict(restorePod, "The node was low on resource: ephemeral-storage.");

            ToolResponse failed = restore.get(BOUND_MS, TimeUnit.MILLISECONDS);
            assertError(failed, "SANDBOX_UNAVAILABLE", "evicted: The node was low on resource");
            assertThat(McpSession.text(failed)).contains("the workspace is unchanged");
            assertThat(mcp.sh("cat f added")).isEqualTo("v2\nnew\n");
        }
    }

    /** Looks for a command among the sandbox's processes, through a second session of the conversation. */
    private static boolean running(String conversation, String command) {
        try (McpSession observer = McpSession.open(conversation)) {
            return observer.sh("ps -eo args").contains(command);
        }
    }

    /** Runs a call, failing the test if it takes longer than the bound. */
    private static ToolResponse timed(Supplier<ToolResponse> call) {
        long started = System.nanoTime();
        ToolResponse response = call.get();
        assertThat((System.nanoTime() - started) / 1_000_000).as("ms until the call answered").isLessThan(BOUND_MS);
        return response;
    }

    private static String conversationId(McpSession mcp) {
        return McpSession.structured(mcp.call("sandbox_info", Map.of())).getString("conversation_id");
    }

    private static KubeletHarness harness() {
        return KubeletHarness.current();
    }
}
