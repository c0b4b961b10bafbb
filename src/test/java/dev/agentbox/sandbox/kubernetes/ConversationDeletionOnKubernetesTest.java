package dev.agentbox.sandbox.kubernetes;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.agentbox.McpSession;
import dev.agentbox.conversation.Callers;
import dev.agentbox.conversation.ConversationKey;
import dev.agentbox.conversation.Conversations;
import dev.agentbox.sandbox.kubernetes.harness.KubeletHarness;
import dev.agentbox.sandbox.kubernetes.harness.KubernetesBackend;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.quarkiverse.mcp.server.ToolResponse;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;

/**
 * Deleting a conversation on the Kubernetes backend, as an agent does it with {@code delete_conversation}: with its
 * workspace, its pod and claim go and the next call starts empty; without, the files stay and the job records and
 * shell state are gone by the next call. The conversations the backend lists are the ones with a claim.
 */
@QuarkusTest
@TestProfile(KubernetesBackend.class)
class ConversationDeletionOnKubernetesTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject
    PodSandboxProvider provider;

    @Inject
    Conversations conversations;

    @Test
    void theConversationsListedAreTheOnesWithAClaimButNotTheWarmPool() {
        KubeletHarness harness = KubeletHarness.current();
        ConversationKey listed = new ConversationKey(Callers.ANONYMOUS, McpSession.key("k8s-listed"));
        ConversationKey warm = new ConversationKey(Callers.ANONYMOUS, McpSession.key("k8s-warm"));
        PersistentVolumeClaim warmClaim = claim("agentbox-warm-listed", Map.of("agentbox.dev/pool", "warm"), warm);
        PersistentVolumeClaim bare = claim("agentbox-bare-listed", Map.of("agentbox.dev/conversation", warm.id()),
                null);
        try (McpSession mcp = McpSession.open("k8s-listed")) {
            mcp.sh("echo hi > f");
            harness.client().persistentVolumeClaims().resource(warmClaim).create();
            harness.client().persistentVolumeClaims().resource(bare).create();

            List<ConversationKey> keys = provider.conversations();

            assertThat(keys).contains(listed).doesNotContain(warm);
        } finally {
            harness.client().persistentVolumeClaims().resource(warmClaim).delete();
            harness.client().persistentVolumeClaims().resource(bare).delete();
        }
    }

    @Test
    void deletingWithTheWorkspaceRemovesThePodAndTheClaimAndTheNextCallStartsEmpty() {
        KubeletHarness harness = KubeletHarness.current();
        try (McpSession mcp = McpSession.open("k8s-delete-all")) {
            mcp.sh("echo gone > gone.txt; echo home > ~/note; sleep 600 > /dev/null 2>&1 &");
            String id = McpSession.structured(mcp.call("sandbox_info", Map.of())).getString("conversation_id");
            String claimUid = harness.claimsOf(id).get(0).getMetadata().getUid();
            assertThat(harness.podsOf(id)).hasSize(1);

            ToolResponse deleted = mcp.call("delete_conversation", Map.of("workspace", true));

            assertThat(deleted.isError()).as(McpSession.text(deleted)).isFalse();
            assertThat(McpSession.structured(deleted).getBoolean("workspace_deleted")).isTrue();
            assertThat(harness.podsOf(id)).isEmpty();
            assertThat(harness.claimsOf(id)).isEmpty();
            assertThat(provider.conversations()).noneMatch(k -> k.id().equals(id));
            assertThat(mcp.sh("ls -A /workspace | wc -l; cat ~/note 2>/dev/null || echo no note"))
                    .isEqualTo("0\nno note\n");
            assertThat(harness.claimsOf(id)).singleElement()
                    .satisfies(c -> assertThat(c.getMetadata().getUid()).isNotEqualTo(claimUid));
        }
    }

    @Test
    void deletingWithoutTheWorkspaceKeepsTheFilesButNotTheJobsOrTheShellState() {
        KubeletHarness harness = KubeletHarness.current();
        ConversationKey key = new ConversationKey(Callers.ANONYMOUS, McpSession.key("k8s-delete-keep"));
        try (McpSession mcp = McpSession.open("k8s-delete-keep")) {
            mcp.sh("echo kept > kept.txt; echo home > ~/note; mkdir -p sub && cd sub && export KEPT=shell");
            // A directory the agent made unwritable among the records does not keep them from being cleared.
            mcp.sh("mkdir -p /var/lib/agentbox/execs/stray/deep && touch /var/lib/agentbox/execs/stray/deep/f"
                    + " && chmod 500 /var/lib/agentbox/execs/stray/deep /var/lib/agentbox/execs/stray");
            assertThat(mcp.sh("pwd; echo $KEPT")).isEqualTo("/workspace/sub\nshell\n");
            String id = key.id();

            ToolResponse deleted = mcp.call("delete_conversation", Map.of());

            assertThat(deleted.isError()).as(McpSession.text(deleted)).isFalse();
            assertThat(McpSession.structured(deleted).getBoolean("workspace_deleted")).isFalse();
            assertThat(harness.podsOf(id)).isEmpty();
            assertThat(harness.claimsOf(id)).hasSize(1);
            assertThat(mcp.sh("cat kept.txt ~/note; pwd; echo ${KEPT:-unset}"))
                    .isEqualTo("kept\nhome\n/workspace\nunset\n");
            assertThat(jobs(mcp)).hasSize(1);

            // The next pod on the claim clears nothing: the reset happens once per deletion.
            conversations.exclusive(key, null, () -> Uni.createFrom().voidItem()).await().atMost(WAIT);
            assertThat(harness.podsOf(id)).isEmpty();
            assertThat(mcp.sh("pwd")).isEqualTo("/workspace\n");
            assertThat(jobs(mcp)).hasSize(2);
        }
    }

    @Test
    void aPodStillRunningIsDeletedBeforeItsClaim() {
        KubeletHarness harness = KubeletHarness.current();
        ConversationKey key = new ConversationKey(Callers.ANONYMOUS, McpSession.key("k8s-delete-running"));
        try (McpSession mcp = McpSession.open("k8s-delete-running")) {
            mcp.sh("sleep 600 > /dev/null 2>&1 &");
            assertThat(harness.podsOf(key.id())).hasSize(1);

            // As for a pod another server holds: the backend is called without this server stopping the sandbox.
            provider.delete(key, true).await().atMost(WAIT);

            assertThat(harness.podsOf(key.id())).isEmpty();
            assertThat(harness.claimsOf(key.id())).isEmpty();
            assertThat(provider.live().values()).noneMatch(s -> s.conversation().equals(key));
        }
    }

    @Test
    void deletingAConversationThatDoesNotExistDoesNothing() {
        KubeletHarness harness = KubeletHarness.current();
        String key = McpSession.key("k8s-never-used");
        ConversationKey conversation = new ConversationKey(Callers.ANONYMOUS, key);
        int pods = harness.pods().size();

        provider.delete(conversation, true).await().atMost(WAIT);
        provider.delete(conversation, false).await().atMost(WAIT);
        given().queryParam("workspace", true).when().delete("/api/conversations/" + key).then().statusCode(200);
        given().when().delete("/api/conversations/" + key).then().statusCode(200);

        assertThat(harness.podsOf(conversation.id())).isEmpty();
        assertThat(harness.claimsOf(conversation.id())).isEmpty();
        assertThat(harness.pods()).hasSize(pods);
        assertThat(provider.conversations()).doesNotContain(conversation);
    }

    private static JsonArray jobs(McpSession mcp) {
        return McpSession.structured(mcp.call("list_jobs", Map.of())).getJsonArray("jobs");
    }

    /** A claim made by hand, labelled for this installation, with the conversation's annotations when given. */
    private static PersistentVolumeClaim claim(String name, Map<String, String> labels, ConversationKey annotated) {
        return new PersistentVolumeClaimBuilder().withNewMetadata().withName(name)
                .addToLabels("agentbox.dev/installation", "agentbox").addToLabels(labels)
                .withAnnotations(annotated == null ? Map.of() : PodLabels.annotations(annotated)).endMetadata()
                .withNewSpec().withAccessModes("ReadWriteOnce").withNewResources()
                .addToRequests("storage", new io.fabric8.kubernetes.api.model.Quantity("1Gi")).endResources()
                .endSpec().build();
    }
}
