package dev.agentbox.sandbox.kubernetes;

import java.net.InetAddress;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.agentbox.egress.Addresses;
import dev.agentbox.egress.CidrRule;
import dev.agentbox.egress.EgressPolicy;
import dev.agentbox.egress.proxy.EgressProxy;
import dev.agentbox.egress.proxy.ProxyClient;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;

/**
 * Domain rules on Kubernetes. Sandbox pods whose egress profile has domain rules are pointed (proxy variables in every
 * exec) at the server's egress proxy behind a Service ({@code agentbox.kubernetes.egress-proxy-host}); their
 * profile's NetworkPolicy lets them reach the server pods' proxy port and no other port of them. The proxy knows a
 * pod by its pod IP, which every replica learns from its pod watch: the cluster network does not let a pod send from
 * another pod's address. The proxy then applies the same checks as on the local backend (names resolved by the proxy,
 * no internal address without an address rule, no metadata server) and audits every decision.
 */
final class PodEgress implements ResourceEventHandler<Pod> {

    private static final Logger LOG = Logger.getLogger(PodEgress.class);

    private final EgressProxy proxy;
    private final Optional<String> host;
    private final int port;
    private final ObjectMapper json;
    /** The address registered for each pod, by pod name. */
    private final Map<String, InetAddress> registered = new ConcurrentHashMap<>();

    PodEgress(EgressProxy proxy, KubernetesConfig config, ObjectMapper json) {
        this.proxy = proxy;
        this.host = config.egressProxyHost().filter(h -> !h.isBlank());
        this.port = config.egressProxyPort();
        this.json = json;
    }

    /** Starts the proxy on every address of this server pod, when sandbox pods are to reach it. */
    void start() {
        if (host.isPresent()) {
            // Pod and service ranges are private: the proxy refuses them unless a profile's address rule allows them.
            proxy.start("0.0.0.0", port, CidrRule.parse("127.0.0.0/8"));
        }
    }

    /**
     * @return whether pods of this policy go through the proxy: it has domain rules, and the proxy is reachable
     */
    boolean serves(EgressPolicy policy) {
        return host.isPresent() && !policy.domains().isEmpty();
    }

    /**
     * @return the variables that point an exec's HTTP clients at the proxy, for a pod of this policy
     */
    Map<String, String> environment(EgressPolicy policy) {
        if (!serves(policy)) {
            return Map.of();
        }
        return EgressProxy.clientEnvironment(host.get(), port);
    }

    /**
     * @return the port sandbox pods connect to, for the NetworkPolicy; empty when domain rules are refused
     */
    Optional<Integer> proxyPort() {
        return host.map(h -> port);
    }

    @Override
    public void onAdd(Pod pod) {
        seen(pod);
    }

    @Override
    public void onUpdate(Pod oldPod, Pod pod) {
        seen(pod);
    }

    @Override
    public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {
        forget(pod.getMetadata().getName());
    }

    private void seen(Pod pod) {
        String name = pod.getMetadata().getName();
        String ip = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
        EgressPolicy policy = PodLabels.egress(pod, json);
        String conversationId = pod.getMetadata().getLabels() == null ? null
                : pod.getMetadata().getLabels().get(PodLabels.CONVERSATION);
        InetAddress address = ip == null ? null : Addresses.literal(ip);
        if (address == null || conversationId == null || !serves(policy) || PodWatch.isTerminal(pod)) {
            forget(name);
            return;
        }
        InetAddress previous = registered.put(name, address);
        if (previous != null && !previous.equals(address)) {
            proxy.unregister(previous);
        }
        proxy.register(address, new ProxyClient(conversationId, name, policy));
        if (previous == null) {
            LOG.debugf("Sandbox pod served by the egress proxy [pod: %s, address: %s, profile: %s]", name, ip,
                    policy.profile());
        }
    }

    private void forget(String name) {
        InetAddress address = registered.remove(name);
        // A new pod may have the address already (addresses are reused): it stays registered.
        if (address != null && !registered.containsValue(address)) {
            proxy.unregister(address);
        }
    }
}
