package dev.agentbox.checkpoint;

import static dev.agentbox.files.FileToolsAssertions.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.agentbox.McpSession;
import dev.agentbox.conversation.ConversationKey;
import io.quarkiverse.mcp.server.ToolResponse;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Size limits, the quota and retention, on a store of their own with small limits: each refusal is a clear error
 * that leaves nothing behind in the store.
 */
@QuarkusTest
@TestProfile(CheckpointLimitsTest.SmallLimits.class)
class CheckpointLimitsTest {

    static final Path STORE = Path.of("target/agentbox-test-state/checkpoints-limits");

    public static class SmallLimits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("agentbox.checkpoint.local.dir", STORE.toString(), "agentbox.checkpoint.max-size", "200K",
                    "agentbox.checkpoint.max-total-size", "500K", "agentbox.checkpoint.max-count", "3",
                    "agentbox.checkpoint.max-age", "7D");
        }
    }

    @Inject
    Checkpoints checkpoints;

    @BeforeEach
    void startWithAnEmptyStore() {
        ConversationKey anyone = new ConversationKey("anonymous", "limits-cleanup");
        for (CheckpointResults.Entry entry : checkpoints.list(anyone).await().indefinitely().checkpoints()) {
            checkpoints.delete(anyone, entry.name()).await().indefinitely();
        }
    }

    @Test
    void aCheckpointOverTheSizeLimitIsRefusedAndLeavesNothingInTheStore() throws Exception {
        try (McpSession mcp = McpSession.open("limits-size")) {
            mcp.sh("head -c 300000 /dev/urandom > big.bin");

            ToolResponse refused = mcp.call("persist", Map.of("name", "too-big"));

            assertError(refused, "INPUT_TOO_LARGE", "204800 bytes");
            assertThat(names(mcp)).isEmpty();
            assertThat(storeFiles()).allSatisfy(p -> assertThat(p.getFileName().toString()).doesNotStartWith(".draft"))
                    .noneMatch(p -> p.toString().contains("too-big"));
        }
    }

    @Test
    void theQuotaRefusesWhatWouldNotFitUntilSpaceIsFreed() {
        try (McpSession mcp = McpSession.open("limits-quota")) {
            for (int i = 1; i <= 3; i++) {
                mcp.sh("rm -f *.bin; head -c 150000 /dev/urandom > " + i + ".bin");
                assertThat(mcp.call("persist", Map.of("name", "q" + i)).isError()).isFalse();
            }
            mcp.sh("rm -f *.bin; head -c 100000 /dev/urandom > 4.bin");

            assertError(mcp.call("persist", Map.of("name", "q4")), "QUOTA_EXCEEDED", "delete_checkpoint");
            JsonObject listing = McpSession.structured(mcp.call("list_checkpoints", Map.of()));
            assertThat(listing.getLong("used_bytes")).isGreaterThan(450_000).isLessThanOrEqualTo(512_000);
            assertThat(listing.getLong("max_total_bytes")).isEqualTo(512_000);

            assertThat(mcp.call("delete_checkpoint", Map.of("checkpoint", "q1")).isError()).isFalse();
            assertThat(mcp.call("persist", Map.of("name", "q4")).isError()).isFalse();
            assertThat(names(mcp)).containsExactly("q4", "q3", "q2");
        }
    }

    @Test
    void retentionKeepsTheNewestCheckpointsUpToTheCount() {
        try (McpSession mcp = McpSession.open("limits-count")) {
            mcp.sh("echo small > f");
            for (int i = 1; i <= 3; i++) {
                mcp.call("persist", Map.of("name", "c" + i));
            }

            JsonObject fourth = McpSession.structured(mcp.call("persist", Map.of("name", "c4")));

            assertThat(fourth.getJsonArray("deleted").getList()).containsExactly("c1");
            assertThat(names(mcp)).containsExactly("c4", "c3", "c2");
            assertError(mcp.call("restore", Map.of("checkpoint", "c1")), "NOT_FOUND", "c1");
        }
    }

    @Test
    void retentionDeletesCheckpointsPastTheAgeLimit() throws Exception {
        try (McpSession mcp = McpSession.open("limits-age")) {
            mcp.sh("echo small > f");
            mcp.call("persist", Map.of("name", "old"));
            mcp.call("persist", Map.of("name", "recent"));
            ageCheckpoint("old", 8);

            List<String> listed = names(mcp);

            assertThat(listed).containsExactly("recent");
            assertThat(storeFiles()).noneMatch(p -> p.toString().contains("/old/"));
        }
    }

    /** Makes a checkpoint look older by rewriting its record's creation time. */
    private static void ageCheckpoint(String name, int days) throws Exception {
        Path record;
        try (Stream<Path> files = Files.walk(STORE)) {
            record = files.filter(p -> p.endsWith(Path.of(name, "checkpoint.json"))).findFirst().orElseThrow();
        }
        JsonObject json = new JsonObject(Files.readString(record));
        json.put("created_at", Instant.now().minus(days, ChronoUnit.DAYS).toString());
        Files.writeString(record, json.encode());
    }

    private static List<String> names(McpSession mcp) {
        JsonArray listed = McpSession.structured(mcp.call("list_checkpoints", Map.of())).getJsonArray("checkpoints");
        return listed.stream().map(JsonObject.class::cast).map(c -> c.getString("name")).toList();
    }

    private static List<Path> storeFiles() throws Exception {
        try (Stream<Path> files = Files.walk(STORE)) {
            return files.toList();
        }
    }
}
