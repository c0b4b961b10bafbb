package dev.agentbox.sandbox.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.agentbox.egress.EgressPolicy;
import dev.agentbox.sandbox.Sandbox;
import dev.agentbox.sandbox.SandboxException;
import dev.agentbox.sandbox.SandboxSpec;
import dev.agentbox.sandbox.kubernetes.harness.KubeletHarness;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;

/**
 * Egress profiles on Kubernetes: the same {@link EgressPolicy} the local backend enforces becomes one NetworkPolicy per
 * profile, selecting exactly that profile's sandbox pods and allowing exactly its address rules; a profile with
 * domain rules, which a NetworkPolicy cannot express and pods have no proxy for, is refused. The harness's mock API
 * server stores the policies; nothing here enforces them (the harness gives pods loopback only).
 */
class SandboxNetworkPoliciesTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private final SandboxNetworkPolicies policies = new SandboxNetworkPolicies("agentbox", null, Optional.empty(),
            "app.kubernetes.io/name=agentbox-server");

    @Test
    void aProfileSelectsItsOwnPodsAndAllowsEachAddressRuleOnItsPorts() {
        NetworkPolicy policy = policies.build(EgressPolicy.of("builds", List.of(), List.of("10.20.0.0/16:443",
                "192.0.2.7/32:8000-8100", "[2001:db8::/32]")));

        assertThat(policy.getMetadata().getName()).startsWith("agentbox-egress-builds-");
        assertThat(policy.getSpec().getPodSelector().getMatchLabels()).containsEntry(PodLabels.EGRESS_PROFILE,
                "builds").containsEntry(PodLabels.INSTALLATION, "agentbox");
        assertThat(policy.getSpec().getPolicyTypes()).containsExactly("Egress");
        assertThat(policy.getSpec().getEgress()).hasSize(3);
        assertThat(policy.getSpec().getEgress().get(0).getTo().get(0).getIpBlock().getCidr()).isEqualTo("10.20.0.0/16");
        assertThat(policy.getSpec().getEgress().get(0).getPorts().get(0).getPort().getIntVal()).isEqualTo(443);
        assertThat(policy.getSpec().getEgress().get(0).getPorts().get(0).getEndPort()).isNull();
        assertThat(policy.getSpec().getEgress().get(1).getPorts().get(0).getPort().getIntVal()).isEqualTo(8000);
        assertThat(policy.getSpec().getEgress().get(1).getPorts().get(0).getEndPort()).isEqualTo(8100);
        assertThat(policy.getSpec().getEgress().get(2).getTo().get(0).getIpBlock().getCidr()).isEqualTo("2001:db8::/32");
        assertThat(policy.getSpec().getEgress().get(2).getPorts().get(0).getPort()).isNull();
        assertThat(policy.getSpec().getEgress()).allSatisfy(r -> assertThat(r.getPorts().get(0).getProtocol())
                .isEqualTo("TCP"));
    }

    @Test
    void aProfilesPodsCarryTheLabelItsPolicySelects() {
        EgressPolicy egress = EgressPolicy.of("builds", List.of(), List.of("10.20.0.0/16:443"));
        Map<String, String> labels = PodLabels.pod("agentbox", ReplicasTest.spec("labels").conversation(), egress);

        assertThat(labels).containsAllEntriesOf(policies.build(egress).getSpec().getPodSelector().getMatchLabels());
    }

    @Test
    void aProfileWithDomainRulesCannotBecomeAPolicyWithoutAProxyForPods() {
        EgressPolicy web = EgressPolicy.of("web", List.of("example.com:443"), List.of());

        assertThatThrownBy(() -> policies.build(web)).hasMessageContaining("domain rules");
        assertThatThrownBy(() -> policies.ensure(web)).isInstanceOf(SandboxException.class)
                .hasMessageContaining("example.com:443").hasMessageContaining("egress-proxy-host is not set");
    }

    @Test
    void aProfileWithDomainRulesMayReachTheServerPodsProxyPortAndNothingElseOfThem() {
        SandboxNetworkPolicies withProxy = new SandboxNetworkPolicies("agentbox", null, Optional.of(3128),
                "app.kubernetes.io/name=agentbox-server, tier=server");

        NetworkPolicy policy = withProxy.build(EgressPolicy.of("web", List.of("example.com:443"),
                List.of("10.20.0.0/16:443")));

        assertThat(policy.getSpec().getEgress()).hasSize(2);
        assertThat(policy.getSpec().getEgress().get(0).getTo()).singleElement().satisfies(peer -> {
            assertThat(peer.getIpBlock()).isNull();
            assertThat(peer.getPodSelector().getMatchLabels()).containsExactly(
                    Map.entry("app.kubernetes.io/name", "agentbox-server"), Map.entry("tier", "server"));
        });
        assertThat(policy.getSpec().getEgress().get(0).getPorts()).singleElement().satisfies(port -> {
            assertThat(port.getProtocol()).isEqualTo("TCP");
            assertThat(port.getPort().getIntVal()).isEqualTo(3128);
        });
        assertThat(policy.getSpec().getEgress().get(1).getTo().get(0).getIpBlock().getCidr()).isEqualTo("10.20.0.0/16");
        assertThatThrownBy(() -> new SandboxNetworkPolicies("agentbox", null, Optional.of(3128), "no-value"))
                .hasMessageContaining("'no-value' is not a name=value pair");
    }

    @Test
    void aPodGetsItsProfilesPolicyAndKeepsItsRulesAcrossAServerRestart() throws Exception {
        EgressPolicy egress = EgressPolicy.of("builds", List.of(), List.of("10.20.0.0/16:443"));
        try (KubeletHarness harness = KubeletHarness.open("egress"); TestReplicas replicas = new TestReplicas(harness)) {
            PodSandboxProvider provider = replicas.start(Map.of());
            SandboxSpec spec = new SandboxSpec(ReplicasTest.spec("egress").conversation(),
                    TestReplicas.sandboxConfig(Map.of()).toLimits(), egress);

            Sandbox sandbox = provider.open(spec).await().atMost(WAIT);

            assertThat(sandbox.egress()).isEqualTo(egress);
            Pod pod = harness.podsOf(spec.conversation().id()).get(0);
            assertThat(pod.getMetadata().getLabels()).containsEntry(PodLabels.EGRESS_PROFILE, "builds");
            List<NetworkPolicy> stored = harness.client().network().v1().networkPolicies()
                    .inNamespace(KubeletHarness.NAMESPACE).list().getItems();
            assertThat(stored).singleElement().satisfies(p -> {
                assertThat(pod.getMetadata().getLabels()).containsAllEntriesOf(p.getSpec().getPodSelector()
                        .getMatchLabels());
                assertThat(p.getSpec().getEgress().get(0).getTo().get(0).getIpBlock().getCidr())
                        .isEqualTo("10.20.0.0/16");
            });

            replicas.crash(provider);
            PodSandboxProvider restarted = replicas.start(Map.of());
            assertThat(restarted.survivors()).singleElement()
                    .satisfies(s -> assertThat(s.sandbox().egress()).isEqualTo(egress));
        }
    }

    @Test
    void aProfileWhoseRulesChangedGetsItsPolicyUpdated() throws Exception {
        try (KubeletHarness harness = KubeletHarness.open("egress-change");
                TestReplicas replicas = new TestReplicas(harness)) {
            PodSandboxProvider before = replicas.start(Map.of());
            before.open(new SandboxSpec(ReplicasTest.spec("egress-old").conversation(), TestReplicas.sandboxConfig(
                    Map.of()).toLimits(), EgressPolicy.of("builds", List.of(), List.of("10.20.0.0/16:443"))))
                    .await().atMost(WAIT);
            PodSandboxProvider after = replicas.start(Map.of());

            after.open(new SandboxSpec(ReplicasTest.spec("egress-new").conversation(), TestReplicas.sandboxConfig(
                    Map.of()).toLimits(), EgressPolicy.of("builds", List.of(), List.of("10.30.0.0/16:22"))))
                    .await().atMost(WAIT);

            NetworkPolicy stored = harness.client().network().v1().networkPolicies()
                    .inNamespace(KubeletHarness.NAMESPACE).list().getItems().get(0);
            assertThat(stored.getSpec().getEgress()).singleElement().satisfies(r -> {
                assertThat(r.getTo().get(0).getIpBlock().getCidr()).isEqualTo("10.30.0.0/16");
                assertThat(r.getPorts().get(0).getPort().getIntVal()).isEqualTo(22);
            });
        }
    }

    @Test
    void aProfileWithDomainRulesIsRefusedWithAReasonAndMakesNoPod() throws Exception {
        try (KubeletHarness harness = KubeletHarness.open("egress-domains");
                TestReplicas replicas = new TestReplicas(harness)) {
            PodSandboxProvider provider = replicas.start(Map.of());
            SandboxSpec spec = new SandboxSpec(ReplicasTest.spec("egress-web").conversation(),
                    TestReplicas.sandboxConfig(Map.of()).toLimits(), EgressPolicy.of("web", List.of("example.com:443"),
                            List.of("10.20.0.0/16:443")));

            assertThatThrownBy(() -> provider.open(spec).await().atMost(WAIT)).isInstanceOf(SandboxException.class)
                    .hasMessageContaining("Egress profile 'web' allows domains (example.com:443)")
                    .hasMessageContaining("address rules only");
            assertThat(harness.podsOf(spec.conversation().id())).isEmpty();
        }
    }
}
