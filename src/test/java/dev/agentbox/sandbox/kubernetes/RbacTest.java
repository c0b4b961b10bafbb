package dev.agentbox.sandbox.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.agentbox.egress.EgressPolicy;
import dev.agentbox.sandbox.ExecHandle;
import dev.agentbox.sandbox.Sandbox;
import dev.agentbox.sandbox.SandboxException;
import dev.agentbox.sandbox.SandboxSpec;
import dev.agentbox.sandbox.kubernetes.harness.KubeletHarness;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * The server's Role grants exactly what the backend calls: a workload that takes every path that talks to the API
 * server (two replicas racing for a new conversation with a warm pool, execs, reads, kills, a conflict on create, a
 * pod that cannot start, deleting a sandbox, deleting a conversation with and without its workspace, orphan
 * collection) is recorded by the harness, each request is turned into the (API group, resource, verb) that RBAC
 * checks, and the set must equal the Role's. Each path is taken on purpose, not by the luck of a race, so that the
 * derived set is the same on every run.
 */
class RbacTest {

    private static final Duration WAIT = Duration.ofSeconds(40);
    private static final Pattern PATH = Pattern.compile(
            "^/(?:api/v1|apis/([^/]+)/[^/]+)/namespaces/[^/]+/([^/?]+)(?:/([^/?]+))?(?:/([^/?]+))?(\\?.*)?$");

    @Test
    void theRoleGrantsExactlyWhatTheBackendCalls() throws Exception {
        MutableClock clock = new MutableClock(Instant.now());
        Map<String, String> warm = Map.of("agentbox.kubernetes.warm-pool", "1", "agentbox.kubernetes.collect-interval",
                "1H", "agentbox.kubernetes.ready-timeout", "5S");
        Map<String, String> plain = Map.of("agentbox.kubernetes.collect-interval", "1H",
                "agentbox.kubernetes.ready-timeout", "5S");
        try (KubeletHarness harness = KubeletHarness.open("rbac"); TestReplicas replicas = new TestReplicas(harness)) {
            PodSandboxProvider first = replicas.start(warm, clock);
            PodSandboxProvider second = replicas.start(warm, clock);
            PodSandboxProvider third = replicas.start(plain, clock);
            await().atMost(WAIT).until(() -> harness.pods().stream().anyMatch(p -> p.getStatus() != null
                    && "Running".equals(p.getStatus().getPhase())));

            // An egress profile in use gets its NetworkPolicy (read, then created); one whose rules changed, an update.
            SandboxSpec raced = new SandboxSpec(ReplicasTest.spec("rbac-race").conversation(),
                    TestReplicas.sandboxConfig(Map.of()).toLimits(), EgressPolicy.of("builds", List.of(),
                            List.of("10.20.0.0/16:443")));
            EgressPolicy changed = EgressPolicy.of("changed", List.of(), List.of("10.30.0.0/16:22"));
            NetworkPolicy stale = new SandboxNetworkPolicies(TestReplicas.kubernetesConfig(Map.of()).installation(),
                    null, Optional.empty(), "app=agentbox")
                    .build(EgressPolicy.of("changed", List.of(), List.of("10.40.0.0/16:22")));
            harness.client().network().v1().networkPolicies().inNamespace(KubeletHarness.NAMESPACE).resource(stale)
                    .create();
            third.open(new SandboxSpec(ReplicasTest.spec("rbac-changed").conversation(), TestReplicas.sandboxConfig(
                    Map.of()).toLimits(), changed)).await().atMost(WAIT);
            CompletableFuture<Sandbox> one = first.open(raced).subscribeAsCompletionStage();
            CompletableFuture<Sandbox> two = second.open(raced).subscribeAsCompletionStage();
            Sandbox sandbox = one.get();
            two.get();
            ReplicasTest.run(sandbox, "echo hi");
            ExecHandle job = sandbox.start(ReplicasTest.request("sleep 60")).await().atMost(WAIT);
            job.output(false);
            job.kill();
            sandbox.execs();

            // A creation lock left by a replica that died: the next replica waits, sees it go, and goes on.
            SandboxSpec locked = ReplicasTest.spec("rbac-lock");
            harness.client().leases().inNamespace(KubeletHarness.NAMESPACE).resource(new LeaseBuilder().withNewMetadata()
                    .withName("agentbox-" + locked.conversation().id()).endMetadata().build()).create();
            CompletableFuture<Sandbox> waiting = first.open(locked).subscribeAsCompletionStage();
            Thread.sleep(1000);
            harness.client().leases().inNamespace(KubeletHarness.NAMESPACE).withName("agentbox-"
                    + locked.conversation().id()).delete();
            waiting.get();

            harness.faults().conflictOnNextPodCreate();
            third.open(ReplicasTest.spec("rbac-conflict")).await().atMost(WAIT);
            harness.faults().imagePullFails("manifest unknown");
            assertThatThrownBy(() -> third.open(ReplicasTest.spec("rbac-pull")).await().atMost(WAIT))
                    .isInstanceOf(SandboxException.class);
            harness.faults().reset();
            SandboxSpec deleted = ReplicasTest.spec("rbac-conflict");
            third.delete(deleted.conversation(), false).await().atMost(WAIT);
            third.delete(deleted.conversation(), true).await().atMost(WAIT);

            sandbox.destroy().await().atMost(WAIT);
            clock.advance(Duration.ofDays(30));
            // Until the collector's watch has seen the pod go, the claim still counts as in use.
            await().atMost(WAIT).until(() -> {
                third.collectOrphans();
                return harness.claimsOf(raced.conversation().id()).isEmpty();
            });

            Set<String> called = new TreeSet<>();
            for (String request : harness.requests()) {
                called.addAll(permissions(request));
            }
            assertThat(called).isEqualTo(granted(Path.of("k8s/base/role.yaml")));
        }
    }

    /** What RBAC checks for one request, as {@code group/resource:verb}. */
    static Set<String> permissions(String request) {
        String method = request.substring(0, request.indexOf(' '));
        String path = request.substring(request.indexOf(' ') + 1);
        Matcher m = PATH.matcher(path);
        if (!m.matches()) {
            // Discovery (/version, /api, /apis) is open to every authenticated user.
            return Set.of();
        }
        String group = m.group(1) == null ? "" : m.group(1);
        String resource = m.group(2);
        boolean named = m.group(3) != null;
        if (m.group(4) != null) {
            resource = resource + "/" + m.group(4);
        }
        String query = m.group(5) == null ? "" : m.group(5);
        if (resource.equals("pods/exec")) {
            // A WebSocket exec is a GET; Kubernetes 1.31 and later authorize it as "create" as well.
            return Set.of(group + "/" + resource + ":get", group + "/" + resource + ":create");
        }
        String verb = switch (method) {
            case "GET" -> named ? "get" : query.contains("watch=true") ? "watch" : "list";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> named ? "delete" : "deletecollection";
            default -> method.toLowerCase(java.util.Locale.ROOT);
        };
        return Set.of(group + "/" + resource + ":" + verb);
    }

    static Set<String> granted(Path rolePath) throws IOException {
        Role role;
        try (InputStream in = Files.newInputStream(rolePath)) {
            role = new KubernetesSerialization().unmarshal(in, Role.class);
        }
        Set<String> granted = new TreeSet<>();
        for (PolicyRule rule : role.getRules()) {
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    for (String verb : rule.getVerbs()) {
                        granted.add(group + "/" + resource + ":" + verb);
                    }
                }
            }
        }
        return granted;
    }

    @Test
    void requestsMapToWhatRbacChecks() {
        assertThat(permissions("GET /api/v1/namespaces/t/pods?labelSelector=a%3Db&watch=true"))
                .containsExactly("/pods:watch");
        assertThat(permissions("GET /api/v1/namespaces/t/pods?labelSelector=a%3Db")).containsExactly("/pods:list");
        assertThat(permissions("GET /api/v1/namespaces/t/pods/p")).containsExactly("/pods:get");
        assertThat(permissions("PATCH /api/v1/namespaces/t/persistentvolumeclaims/c"))
                .containsExactly("/persistentvolumeclaims:patch");
        assertThat(permissions("GET /api/v1/namespaces/t/pods/p/exec?command=sh")).containsExactlyInAnyOrder(
                "/pods/exec:get", "/pods/exec:create");
        assertThat(permissions("POST /apis/coordination.k8s.io/v1/namespaces/t/leases"))
                .containsExactly("coordination.k8s.io/leases:create");
        assertThat(permissions("GET /version")).isEmpty();
    }
}
