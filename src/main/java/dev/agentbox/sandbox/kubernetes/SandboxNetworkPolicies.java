package dev.agentbox.sandbox.kubernetes;

import java.net.HttpURLConnection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.jboss.logging.Logger;

import dev.agentbox.egress.CidrRule;
import dev.agentbox.egress.DomainRule;
import dev.agentbox.egress.EgressPolicy;
import dev.agentbox.egress.PortRange;
import dev.agentbox.sandbox.SandboxException;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPortBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * The egress of sandbox pods: one NetworkPolicy per egress profile ({@link EgressPolicy}, the same profiles the local
 * backend enforces), selecting the pods labelled with that profile. NetworkPolicies add up: the policy in
 * {@code k8s/base/networkpolicy-sandbox.yaml} is the floor for every sandbox pod (no ingress, cluster DNS only), and a
 * profile's policy adds each of its address rules as an {@code ipBlock} with its TCP ports. Policies are applied
 * before the first pod of a profile is made (or a warm pod is relabelled into it), and brought up to date when the
 * profile's rules changed.
 * <p>
 * Domain rules cannot be expressed in a NetworkPolicy, which knows addresses, not names: a profile with domain rules
 * goes through the server's egress proxy ({@link PodEgress}), and its policy lets its pods reach the proxy port of the
 * server pods and nothing else of them. Without a proxy for pods ({@code agentbox.kubernetes.egress-proxy-host} unset)
 * such a profile is refused with a message that says so, rather than giving a pod less, or more, than its profile
 * promises.
 */
final class SandboxNetworkPolicies {

    private static final Logger LOG = Logger.getLogger(SandboxNetworkPolicies.class);

    private final String installation;
    private final ClusterObjects cluster;
    /** The rules of each profile whose policy this server has seen up to date. */
    private final Map<String, EgressPolicy.Rules> applied = new ConcurrentHashMap<>();
    private final Set<String> warned = ConcurrentHashMap.newKeySet();
    private final Optional<Integer> proxyPort;
    private final Map<String, String> serverLabels;

    /**
     * @param installation the installation label value of the sandbox pods
     * @param cluster where policies are read and written; {@code null} to build policies only
     * @param proxyPort the egress proxy's port in the server pods, or empty when pods cannot use the proxy
     * @param serverLabels the server pods' labels, {@code name=value} pairs separated by commas
     * @throws IllegalArgumentException when the labels are not such pairs
     */
    SandboxNetworkPolicies(String installation, ClusterObjects cluster, Optional<Integer> proxyPort,
            String serverLabels) {
        this.installation = installation;
        this.cluster = cluster;
        this.proxyPort = proxyPort;
        this.serverLabels = labels(serverLabels);
    }

    private static Map<String, String> labels(String pairs) {
        Map<String, String> labels = new LinkedHashMap<>();
        for (String pair : pairs.split(",")) {
            int eq = pair.indexOf('=');
            if (eq <= 0 || !PodLabels.isLabelValue(pair.substring(eq + 1).trim())) {
                throw new IllegalArgumentException("agentbox.kubernetes.server-labels: '" + pair.trim()
                        + "' is not a name=value pair");
            }
            labels.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
        }
        return labels;
    }

    /**
     * Makes sure the profile's NetworkPolicy exists with the profile's current rules. Blocking; one GET per profile
     * and server, then nothing until the rules change.
     *
     * @throws SandboxException (unavailable) for a profile this backend cannot enforce, or when the policy cannot be
     *         written
     */
    void ensure(EgressPolicy egress) {
        refuseDomains(egress);
        if (!egress.allowsAny() || egress.rules().equals(applied.get(egress.profile()))) {
            return;
        }
        NetworkPolicy wanted = build(egress);
        try {
            cluster.applyNetworkPolicy(wanted);
        } catch (KubernetesClientException e) {
            String why = e.getCode() == HttpURLConnection.HTTP_FORBIDDEN
                    ? "the server's Role does not allow it (networkpolicies: get, create, patch)"
                    : "HTTP " + e.getCode() + " " + e.getMessage();
            throw SandboxException.unavailable("The NetworkPolicy of egress profile '" + egress.profile()
                    + "' cannot be written: " + why, e);
        }
        applied.put(egress.profile(), egress.rules());
        LOG.infof("Egress NetworkPolicy up to date [profile: %s, policy: %s]", egress.profile(),
                wanted.getMetadata().getName());
    }

    private void refuseDomains(EgressPolicy egress) {
        if (egress.domains().isEmpty() || proxyPort.isPresent()) {
            return;
        }
        if (warned.add(egress.profile())) {
            LOG.warnf("Egress profile refused on Kubernetes: it has domain rules, which sandbox pods cannot use "
                    + "[profile: %s]", egress.profile());
        }
        throw SandboxException.unavailable("Egress profile '" + egress.profile() + "' allows domains ("
                + String.join(", ", egress.domains().stream().map(DomainRule::toString).toList())
                + "), which this server cannot enforce for pods: agentbox.kubernetes.egress-proxy-host is not set, so "
                + "pods have no egress proxy. Use a profile with address rules only (cidrs), or the profile 'none'",
                null);
    }

    /**
     * @return the policy that lets sandbox pods of the profile reach what its address rules allow
     * @throws IllegalArgumentException for a profile with domain rules, or a name that is no label value
     */
    NetworkPolicy build(EgressPolicy egress) {
        if (!PodLabels.isLabelValue(egress.profile()) || egress.profile().isEmpty()) {
            throw new IllegalArgumentException("egress profile '" + egress.profile() + "' is not a label value");
        }
        if (!egress.domains().isEmpty() && proxyPort.isEmpty()) {
            throw new IllegalArgumentException("egress profile '" + egress.profile() + "' has domain rules, which a "
                    + "NetworkPolicy cannot express, and pods have no egress proxy");
        }
        List<NetworkPolicyEgressRule> rules = new ArrayList<>();
        if (!egress.domains().isEmpty()) {
            rules.add(new NetworkPolicyEgressRuleBuilder()
                    .addToTo(new NetworkPolicyPeerBuilder().withNewPodSelector().withMatchLabels(serverLabels)
                            .endPodSelector().build())
                    .addToPorts(new NetworkPolicyPortBuilder().withProtocol("TCP")
                            .withPort(new IntOrString(proxyPort.get())).build())
                    .build());
        }
        for (CidrRule cidr : egress.cidrs()) {
            NetworkPolicyPortBuilder port = new NetworkPolicyPortBuilder().withProtocol("TCP");
            PortRange ports = cidr.ports();
            if (!ports.equals(PortRange.ANY)) {
                port.withPort(new IntOrString(ports.from()));
                if (ports.to() != ports.from()) {
                    port.withEndPort(ports.to());
                }
            }
            rules.add(new NetworkPolicyEgressRuleBuilder()
                    .addToTo(new NetworkPolicyPeerBuilder().withNewIpBlock().withCidr(cidr.cidr()).endIpBlock().build())
                    .addToPorts(port.build())
                    .build());
        }
        return new NetworkPolicyBuilder()
                .withNewMetadata().withName(name(egress.profile()))
                .withLabels(Map.of(PodLabels.MANAGED_BY, "agentbox", PodLabels.INSTALLATION, installation))
                .endMetadata()
                .withNewSpec()
                .withPodSelector(new LabelSelectorBuilder().withMatchLabels(Map.of(PodLabels.INSTALLATION,
                        installation, PodLabels.EGRESS_PROFILE, egress.profile())).build())
                .withPolicyTypes("Egress")
                .withEgress(rules)
                .endSpec()
                .build();
    }

    private String name(String profile) {
        // Several installations may share a namespace, and an installation label value need not be a valid object
        // name (upper case, '_'); String.hashCode is specified, so every replica derives the same name.
        return "agentbox-egress-" + profile + "-" + String.format("%08x", installation.hashCode());
    }
}
