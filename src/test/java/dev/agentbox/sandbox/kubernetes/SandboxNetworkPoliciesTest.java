package dev.agentbox.sandbox.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.agentbox.conversation.ConversationKey;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;

/**
 * The seam between egress profiles and Kubernetes: one NetworkPolicy per profile, selecting exactly that profile's
 * sandbox pods and adding exactly the destinations it allows.
 */
class SandboxNetworkPoliciesTest {

    private final SandboxNetworkPolicies policies = new SandboxNetworkPolicies("agentbox",
            Map.of("app.kubernetes.io/name", "agentbox-server"), "egress-proxy");

    record Rules(String profile, List<Destination> destinations, boolean proxy) implements EgressRules {
    }

    @Test
    void aProfileSelectsItsOwnPodsAndAllowsItsDestinationsAndTheProxy() {
        NetworkPolicy policy = policies.build(new Rules("builds", List.of(new EgressRules.Destination("10.20.0.0/16",
                443, "TCP"), new EgressRules.Destination("192.0.2.7/32", null, "UDP")), true));

        assertThat(policy.getMetadata().getName()).isEqualTo("agentbox-egress-builds");
        assertThat(policy.getSpec().getPodSelector().getMatchLabels()).containsEntry(PodLabels.EGRESS_PROFILE,
                "builds").containsEntry(PodLabels.INSTALLATION, "agentbox");
        assertThat(policy.getSpec().getPolicyTypes()).containsExactly("Egress");
        assertThat(policy.getSpec().getEgress()).hasSize(3);
        assertThat(policy.getSpec().getEgress().get(0).getPorts().get(0).getPort().getStrVal()).isEqualTo("egress-proxy");
        assertThat(policy.getSpec().getEgress().get(1).getTo().get(0).getIpBlock().getCidr()).isEqualTo("10.20.0.0/16");
        assertThat(policy.getSpec().getEgress().get(1).getPorts().get(0).getPort().getIntVal()).isEqualTo(443);
        assertThat(policy.getSpec().getEgress().get(2).getPorts().get(0).getPort()).isNull();
    }

    @Test
    void aProfileWithNothingAllowedAddsNothingToTheFloor() {
        NetworkPolicy policy = policies.build(new Rules("closed", List.of(), false));

        assertThat(policy.getSpec().getEgress()).isEmpty();
    }

    @Test
    void sandboxPodsCarryTheProfileTheirPolicySelects() {
        Map<String, String> labels = PodLabels.conversation("agentbox", new ConversationKey("a", "b"));
        NetworkPolicy policy = policies.build(new Rules(PodLabels.DEFAULT_EGRESS_PROFILE, List.of(), true));

        assertThat(labels).containsAllEntriesOf(policy.getSpec().getPodSelector().getMatchLabels());
    }

    @Test
    void aProfileNameThatIsNoLabelValueIsRefused() {
        assertThatThrownBy(() -> policies.build(new Rules("no spaces allowed", List.of(), false)))
                .hasMessageContaining("not a label value");
    }
}
