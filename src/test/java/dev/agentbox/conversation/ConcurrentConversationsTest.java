package dev.agentbox.conversation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.agentbox.HostInspection;
import dev.agentbox.McpSession;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;

/**
 * Fifty conversations at once, each running commands and editing files: every result is right, and once their
 * sandboxes are stopped nothing of them is left on the host.
 */
@QuarkusTest
class ConcurrentConversationsTest {

    private static final int CONVERSATIONS = 50;

    @Inject
    Conversations conversations;

    /** What one conversation saw. */
    record Outcome(String sandboxId, long uid, String computed, String edited) {
    }

    @Test
    void fiftyConversationsWorkAtOnceAndLeaveNothingBehind() {
        ExecutorService pool = Executors.newFixedThreadPool(CONVERSATIONS);
        List<Outcome> outcomes;
        try {
            List<CompletableFuture<Outcome>> work = IntStream.range(0, CONVERSATIONS)
                    .mapToObj(i -> CompletableFuture.supplyAsync(() -> work(i), pool)).toList();
            outcomes = work.stream().map(CompletableFuture::join).toList();
        } finally {
            pool.shutdownNow();
        }

        for (int i = 0; i < CONVERSATIONS; i++) {
            assertThat(outcomes.get(i).computed()).isEqualTo("conversation " + i + " sum " + (i * 100 + 5050) + "\n");
            assertThat(outcomes.get(i).edited()).isEqualTo("value = " + (i * 2) + "\n");
        }
        assertThat(outcomes.stream().map(Outcome::uid).distinct()).hasSize(CONVERSATIONS);

        conversations.stopAll();

        for (Outcome outcome : outcomes) {
            assertThat(HostInspection.processesOfUser(outcome.uid())).isEmpty();
            assertThat(HostInspection.cgroupsStartingWith(outcome.sandboxId())).isEmpty();
        }
    }

    private static Outcome work(int i) {
        try (McpSession mcp = McpSession.open("concurrent-" + i)) {
            mcp.call("write_file", Map.of("path", "data/numbers.txt", "content", "value = " + i + "\n"));
            String computed = mcp.sh("echo \"conversation " + i + " sum $(( $(seq 1 100 | paste -sd+) + "
                    + i * 100 + " ))\"");
            mcp.call("edit_file", Map.of("path", "data/numbers.txt", "old_string", "= " + i, "new_string",
                    "= " + (i * 2)));
            JsonObject read = McpSession.structured(mcp.call("read_file", Map.of("path", "data/numbers.txt")));
            JsonObject info = McpSession.structured(mcp.call("sandbox_info", Map.of()));
            return new Outcome(info.getString("sandbox_id"), Long.parseLong(mcp.sh("id -u").trim()), computed,
                    read.getString("content").substring(7));
        }
    }
}
