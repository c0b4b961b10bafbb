package dev.agentbox.sandbox.kubernetes;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPortBuilder;

/**
 * Builds the NetworkPolicy of an egress profile. NetworkPolicies add up: the deny-all policy in
 * {@code k8s/base/networkpolicy-sandbox.yaml} is the floor for every sandbox pod (DNS and the egress proxy only), and
 * a profile's policy, selecting the pods labelled with that profile, adds the destinations the profile allows.
 * <p>
 * Note: the backend does not apply these policies yet; the egress feature decides which profiles exist and will call
 * this builder (the server's Role then needs {@code networkpolicies} create, get and patch). Until then every sandbox
 * pod gets the floor only.
 */
final class SandboxNetworkPolicies {

    private final String installation;
    private final Map<String, String> proxyPods;
    private final String proxyPort;

    /**
     * @param installation the installation label value of the sandbox pods
     * @param proxyPods the labels of the pods that serve the egress proxy (the server's)
     * @param proxyPort the name of the proxy's container port on those pods
     */
    SandboxNetworkPolicies(String installation, Map<String, String> proxyPods, String proxyPort) {
        this.installation = installation;
        this.proxyPods = proxyPods;
        this.proxyPort = proxyPort;
    }

    /**
     * @return the policy that lets sandbox pods of the profile reach what the rules allow
     */
    NetworkPolicy build(EgressRules rules) {
        if (!PodLabels.isLabelValue(rules.profile()) || rules.profile().isEmpty()) {
            throw new IllegalArgumentException("egress profile '" + rules.profile() + "' is not a label value");
        }
        List<NetworkPolicyEgressRule> egress = new ArrayList<>();
        if (rules.proxy()) {
            egress.add(new NetworkPolicyEgressRuleBuilder()
                    .addToTo(new NetworkPolicyPeerBuilder().withPodSelector(new LabelSelectorBuilder()
                            .withMatchLabels(proxyPods).build()).build())
                    .addToPorts(new NetworkPolicyPortBuilder().withProtocol("TCP").withPort(new IntOrString(proxyPort))
                            .build())
                    .build());
        }
        for (EgressRules.Destination destination : rules.destinations()) {
            NetworkPolicyPortBuilder port = new NetworkPolicyPortBuilder().withProtocol(destination.protocol());
            if (destination.port() != null) {
                port.withPort(new IntOrString(destination.port()));
            }
            egress.add(new NetworkPolicyEgressRuleBuilder()
                    .addToTo(new NetworkPolicyPeerBuilder().withNewIpBlock().withCidr(destination.cidr()).endIpBlock()
                            .build())
                    .addToPorts(port.build())
                    .build());
        }
        return new NetworkPolicyBuilder()
                .withNewMetadata().withName("agentbox-egress-" + rules.profile())
                .withLabels(Map.of(PodLabels.MANAGED_BY, "agentbox", PodLabels.INSTALLATION, installation))
                .endMetadata()
                .withNewSpec()
                .withPodSelector(new LabelSelectorBuilder().withMatchLabels(Map.of(PodLabels.INSTALLATION,
                        installation, PodLabels.EGRESS_PROFILE, rules.profile())).build())
                .withPolicyTypes("Egress")
                .withEgress(egress)
                .endSpec()
                .build();
    }
}
