package dev.agentbox.sandbox.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.agentbox.McpSession;
import dev.agentbox.conversation.Conversations;
import dev.agentbox.sandbox.kubernetes.harness.KubeletHarness;
import dev.agentbox.sandbox.kubernetes.harness.KubernetesBackend;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.json.JsonObject;

/**
 * Twenty conversations at once on the Kubernetes backend, each running commands and editing files: every result is
 * right, each has one pod and one claim, and once their sandboxes are stopped the pods are gone and the claims stay.
 */
@QuarkusTest
@TestProfile(KubernetesBackend.class)
class PodConcurrencyTest {

    private static final int CONVERSATIONS = 20;

    @Inject
    Conversations conversations;

    /** What one conversation saw. */
    record Outcome(String conversationId, String computed, String edited) {
    }

    @Test
    void twentyConversationsWorkAtOnceEachInAPodOfItsOwn() {
        ExecutorService pool = Executors.newFixedThreadPool(CONVERSATIONS);
        List<Outcome> outcomes;
        try {
            List<CompletableFuture<Outcome>> work = IntStream.range(0, CONVERSATIONS)
                    .mapToObj(i -> CompletableFuture.supplyAsync(() -> work(i), pool)).toList();
            outcomes = work.stream().map(CompletableFuture::join).toList();
        } finally {
            pool.shutdownNow();
        }

        KubeletHarness harness = KubeletHarness.current();
        for (int i = 0; i < CONVERSATIONS; i++) {
            Outcome outcome = outcomes.get(i);
            assertThat(outcome.computed()).isEqualTo("conversation " + i + " sum " + (i * 100 + 5050) + "\n");
            assertThat(outcome.edited()).isEqualTo("value = " + (i * 2) + "\n");
            assertThat(harness.podsOf(outcome.conversationId())).hasSize(1);
            assertThat(harness.claimsOf(outcome.conversationId())).hasSize(1);
        }

        conversations.stopAll();

        for (Outcome outcome : outcomes) {
            await().atMost(Duration.ofSeconds(30)).until(() -> harness.podsOf(outcome.conversationId()).isEmpty());
            assertThat(harness.claimsOf(outcome.conversationId())).hasSize(1);
        }
    }

    private static Outcome work(int i) {
        try (McpSession mcp = McpSession.open("pod-concurrent-" + i)) {
            mcp.call("write_file", Map.of("path", "data/numbers.txt", "content", "value = " + i + "\n"));
            String computed = mcp.sh("echo \"conversation " + i + " sum $(( $(seq 1 100 | paste -sd+) + "
                    + i * 100 + " ))\"");
            mcp.call("edit_file", Map.of("path", "data/numbers.txt", "old_string", "= " + i, "new_string",
                    "= " + (i * 2)));
            JsonObject read = McpSession.structured(mcp.call("read_file", Map.of("path", "data/numbers.txt")));
            String conversationId = McpSession.structured(mcp.call("sandbox_info", Map.of()))
                    .getString("conversation_id");
            return new Outcome(conversationId, computed, read.getString("content").substring(7));
        }
    }
}
