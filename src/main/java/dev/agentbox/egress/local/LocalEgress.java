package dev.agentbox.egress.local;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import dev.agentbox.egress.CidrRule;
import dev.agentbox.egress.EgressConfig;
import dev.agentbox.egress.EgressPolicy;
import dev.agentbox.egress.EgressProfiles;
import dev.agentbox.egress.proxy.EgressProxy;
import dev.agentbox.egress.proxy.ProxyClient;
import io.quarkus.runtime.ShutdownEvent;

/**
 * Egress for the local backend. A sandbox whose profile allows anything gets a veth pair: {@code eth0} in its network
 * namespace with one address of the pool, the other end on the host with no address. An empty bridge on the host holds
 * the pool's first address, where the egress proxy listens. One nftables table per server (the sandbox has no
 * capability to change it) lets each sandbox interface send only from its own address and only to the proxy; every
 * other packet is rejected at once (TCP reset, ICMP for the rest), and the host cannot open connections into
 * sandboxes. Nothing is forwarded and nothing is translated: the host's {@code ip_forward} and NAT stay as they are.
 * <p>
 * Note: address rules (CIDR/port pairs) are therefore enforced by the proxy too, which serves HTTP CONNECT and plain
 * HTTP; a sandbox cannot open raw TCP or UDP connections to an allowed range. That needs routing through the host
 * (forwarding and NAT, host-wide settings this server does not change).
 */
@ApplicationScoped
public class LocalEgress {

    private static final Logger LOG = Logger.getLogger(LocalEgress.class);
    private static final Pattern PREFIX = Pattern.compile("[a-z][a-z0-9]{0,7}");
    private static final String SANDBOX_INTERFACE = "eth0";

    private final EgressConfig config;
    private final EgressProfiles profiles;
    private final EgressProxy proxy;
    private final Map<Integer, NetworkAttachment> attached = new ConcurrentHashMap<>();
    private volatile String unavailable = "egress has not been set up";
    private volatile String prefix;
    private volatile String table;
    private volatile String bridge;
    private volatile int poolBase;
    private volatile int poolSize;
    private volatile String gateway;
    private volatile int proxyPort;
    private int nextSlot;

    LocalEgress(EgressConfig config, EgressProfiles profiles, EgressProxy proxy) {
        this.config = config;
        this.profiles = profiles;
        this.proxy = proxy;
    }

    /**
     * Sets up what sandboxes with egress share: the gateway bridge, the proxy and the nftables table (rebuilt from
     * scratch; sandboxes taken over are added back by {@link #adopt}). Does nothing when no profile allows any network.
     * A host that cannot do it gets no sandboxes with egress, and says why through {@link #unavailableReason()}.
     */
    public void start() {
        if (!profiles.anyAllowsNetwork()) {
            unavailable = "no egress profile allows any network";
            return;
        }
        try {
            EgressConfig.LocalNetworkConfig local = config.local();
            prefix = local.namePrefix();
            if (!PREFIX.matcher(prefix).matches()) {
                throw new IllegalStateException("agentbox.egress.local.name-prefix '" + prefix + "' must be a "
                        + "lower-case letter and up to 7 lower-case letters or digits");
            }
            CidrRule pool = CidrRule.parse(local.addressPool());
            if (pool.network().getAddress().length != 4 || pool.prefixLength() > 28) {
                throw new IllegalStateException("agentbox.egress.local.address-pool '" + local.addressPool()
                        + "' must be an IPv4 range of at least 16 addresses");
            }
            poolBase = toInt(pool.network());
            poolSize = 1 << (32 - pool.prefixLength());
            gateway = toAddress(poolBase + 1);
            table = "agentbox_" + prefix;
            bridge = prefix + "gw";
            createGateway();
            proxyPort = proxy.start(gateway, local.proxyPort(), pool);
            HostCommand.run(List.of("nft", "-f", "-"), rulesetScript());
            unavailable = null;
            LOG.infof("Egress ready [proxy: %s:%d, pool: %s, table: inet %s]", gateway, proxyPort,
                    local.addressPool(), table);
        } catch (IOException | RuntimeException e) {
            unavailable = "egress cannot be enforced on this host: " + e.getMessage();
            LOG.warnf("Sandboxes get no egress; only profile 'none' can be used [cause: %s]", e.getMessage());
        }
    }

    /**
     * @return {@code null} when sandboxes can get egress, else why not
     */
    public String unavailableReason() {
        return unavailable;
    }

    /**
     * @return the variables that point an exec's HTTP clients at the proxy
     */
    public Map<String, String> proxyEnvironment() {
        return EgressProxy.clientEnvironment(gateway, proxyPort);
    }

    /**
     * Connects a new sandbox: rules first, then its veth pair, so that no packet of it is ever unfiltered.
     *
     * @param nsPid a process in the sandbox's network namespace
     * @return what the sandbox's record must keep
     * @throws IOException when the host refuses; nothing of the attempt is left behind
     */
    public NetworkAttachment attach(String conversationId, String sandboxId, long nsPid, EgressPolicy policy)
            throws IOException {
        if (unavailable != null) {
            throw new IOException(unavailable);
        }
        IOException last = null;
        for (int attempt = 0; attempt < 8; attempt++) {
            NetworkAttachment attachment = reserve();
            try {
                plumb(attachment, nsPid);
                proxy.register(InetAddress.getByName(attachment.address()),
                        new ProxyClient(conversationId, sandboxId, policy));
                return attachment;
            } catch (IOException e) {
                release(attachment);
                last = e;
                // Another server on this host may use the same pool: its routes make ours fail; take the next slot.
                if (e.getMessage() == null || !e.getMessage().contains("File exists")) {
                    break;
                }
            }
        }
        throw last;
    }

    /**
     * Takes back the network of a sandbox that outlived the previous server: its rules again, its proxy registration,
     * and its veth pair where it is gone.
     */
    public void adopt(NetworkAttachment attachment, String conversationId, String sandboxId, long nsPid,
            EgressPolicy policy) throws IOException {
        if (unavailable != null) {
            throw new IOException(unavailable);
        }
        attached.put(attachment.slot(), attachment);
        if (Files.exists(Path.of("/sys/class/net", attachment.hostInterface()))) {
            HostCommand.run(List.of("nft", "-f", "-"), elements("add", attachment));
        } else {
            plumb(attachment, nsPid);
        }
        proxy.register(InetAddress.getByName(attachment.address()), new ProxyClient(conversationId, sandboxId, policy));
    }

    /**
     * Removes a sandbox's interface and rules. Safe to call for a sandbox whose network is already gone.
     */
    public void detach(NetworkAttachment attachment) {
        try {
            proxy.unregister(InetAddress.getByName(attachment.address()));
        } catch (UnknownHostException e) {
            // an address literal always parses
        }
        release(attachment);
    }

    /**
     * Removes host interfaces of this server that no live sandbox uses (left by a sandbox that ended while no server
     * ran). Call after every survivor was adopted.
     */
    public void removeUnclaimed() {
        if (unavailable != null) {
            return;
        }
        Pattern own = Pattern.compile(Pattern.quote(prefix) + "\\d+");
        try (Stream<Path> links = Files.list(Path.of("/sys/class/net"))) {
            for (String name : links.map(p -> p.getFileName().toString()).filter(n -> own.matcher(n).matches())
                    .toList()) {
                int slot = Integer.parseInt(name.substring(prefix.length()));
                if (!attached.containsKey(slot)) {
                    deleteLink(name);
                    LOG.infof("Network interface of a stopped sandbox removed [interface: %s]", name);
                }
            }
        } catch (IOException e) {
            LOG.warnf("Cannot list network interfaces [cause: %s]", e.getMessage());
        }
    }

    void onShutdown(@Observes @Priority(4000) ShutdownEvent event) {
        if (unavailable == null && attached.isEmpty()) {
            try {
                HostCommand.run(List.of("nft", "delete", "table", "inet", table), null);
            } catch (IOException e) {
                LOG.warnf("Cannot remove the egress nftables table [table: %s, cause: %s]", table, e.getMessage());
            }
            deleteLink(bridge);
        }
    }

    private synchronized NetworkAttachment reserve() throws IOException {
        int slots = poolSize - 3;
        for (int i = 0; i < slots; i++) {
            int slot = (nextSlot + i) % slots;
            if (!attached.containsKey(slot) && !Files.exists(Path.of("/sys/class/net", prefix + slot))) {
                nextSlot = slot + 1;
                NetworkAttachment attachment = new NetworkAttachment(slot, prefix + slot, toAddress(poolBase + 2 + slot));
                attached.put(slot, attachment);
                return attachment;
            }
        }
        throw new IOException("the egress address pool " + config.local().addressPool() + " is exhausted");
    }

    private void release(NetworkAttachment attachment) {
        deleteLink(attachment.hostInterface());
        try {
            HostCommand.run(List.of("nft", "-f", "-"), elements("delete", attachment));
        } catch (IOException e) {
            LOG.debugf("Egress rules of a sandbox already gone [interface: %s, cause: %s]",
                    attachment.hostInterface(), e.getMessage());
        }
        attached.remove(attachment.slot(), attachment);
    }

    /** Rules first, then the pair: the sandbox end appears in its namespace only once the rules match it. */
    private void plumb(NetworkAttachment attachment, long nsPid) throws IOException {
        String host = attachment.hostInterface();
        String hostMac = mac(attachment.slot(), 1);
        String sandboxMac = mac(attachment.slot(), 2);
        HostCommand.run(List.of("nft", "-f", "-"), elements("add", attachment));
        HostCommand.run(List.of("ip", "link", "add", host, "address", hostMac, "type", "veth", "peer", "name",
                SANDBOX_INTERFACE, "address", sandboxMac, "netns", Long.toString(nsPid)), null);
        disableIpv6(host);
        HostCommand.run(List.of("ip", "-batch", "-"), "link set " + host + " up\n"
                + "route add " + attachment.address() + "/32 dev " + host + "\n"
                + "neigh replace " + attachment.address() + " lladdr " + sandboxMac + " dev " + host
                + " nud permanent\n");
        HostCommand.run(List.of("nsenter", "--net=/proc/" + nsPid + "/ns/net", "/bin/sh", "-c",
                "echo 1 > /proc/sys/net/ipv6/conf/" + SANDBOX_INTERFACE + "/disable_ipv6 && exec ip -batch -"),
                "addr add " + attachment.address() + "/32 dev " + SANDBOX_INTERFACE + "\n"
                        + "link set " + SANDBOX_INTERFACE + " up\n"
                        + "route add " + gateway + "/32 dev " + SANDBOX_INTERFACE + "\n"
                        + "route add default via " + gateway + " dev " + SANDBOX_INTERFACE + "\n"
                        + "neigh replace " + gateway + " lladdr " + hostMac + " dev " + SANDBOX_INTERFACE
                        + " nud permanent\n");
    }

    private void createGateway() throws IOException {
        if (!Files.exists(Path.of("/sys/class/net", bridge))) {
            HostCommand.run(List.of("ip", "link", "add", bridge, "type", "bridge"), null);
        }
        disableIpv6(bridge);
        HostCommand.run(List.of("ip", "-batch", "-"), "addr replace " + gateway + "/32 dev " + bridge + "\n"
                + "link set " + bridge + " up\n");
    }

    private String rulesetScript() {
        return "add table inet " + table + "\n"
                + "delete table inet " + table + "\n"
                + "table inet " + table + " {\n"
                + "  set ifaces { type ifname; }\n"
                + "  set pins { type ifname . ipv4_addr; }\n"
                + "  chain prerouting {\n"
                + "    type filter hook prerouting priority filter; policy accept;\n"
                + "    iifname @ifaces jump from_sandbox\n"
                + "  }\n"
                + "  chain output {\n"
                + "    type filter hook output priority filter; policy accept;\n"
                + "    oifname @ifaces ct state established,related accept\n"
                + "    oifname @ifaces meta l4proto tcp reject with tcp reset\n"
                + "    oifname @ifaces reject with icmpx admin-prohibited\n"
                + "  }\n"
                + "  chain from_sandbox {\n"
                + "    meta nfproto ipv6 drop\n"
                + "    iifname . ip saddr != @pins drop\n"
                + "    ct state established,related accept\n"
                + "    ip daddr " + gateway + " tcp dport " + proxyPort + " accept\n"
                + "    meta l4proto tcp reject with tcp reset\n"
                + "    reject with icmpx admin-prohibited\n"
                + "  }\n"
                + "}\n";
    }

    private String elements(String verb, NetworkAttachment attachment) {
        return verb + " element inet " + table + " ifaces { \"" + attachment.hostInterface() + "\" }\n"
                + verb + " element inet " + table + " pins { \"" + attachment.hostInterface() + "\" . "
                + attachment.address() + " }\n";
    }

    private static void deleteLink(String name) {
        if (Files.exists(Path.of("/sys/class/net", name))) {
            try {
                HostCommand.run(List.of("ip", "link", "del", name), null);
            } catch (IOException e) {
                LOG.debugf("Cannot remove a network interface [interface: %s, cause: %s]", name, e.getMessage());
            }
        }
    }

    private static void disableIpv6(String name) {
        try {
            Files.writeString(Path.of("/proc/sys/net/ipv6/conf", name, "disable_ipv6"), "1");
        } catch (IOException e) {
            // no IPv6 on this host: nothing to disable (the table drops IPv6 from sandboxes anyway)
        }
    }

    private String mac(int slot, int side) {
        return String.format("02:%02x:%02x:%02x:%02x:%02x", prefix.hashCode() & 0xff, (slot >> 16) & 0xff,
                (slot >> 8) & 0xff, slot & 0xff, side);
    }

    private static int toInt(InetAddress address) {
        byte[] b = address.getAddress();
        return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
    }

    private static String toAddress(int value) {
        return ((value >>> 24) & 0xff) + "." + ((value >>> 16) & 0xff) + "." + ((value >>> 8) & 0xff) + "."
                + (value & 0xff);
    }
}
