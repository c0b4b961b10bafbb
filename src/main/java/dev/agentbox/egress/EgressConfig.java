package dev.agentbox.egress;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Egress: what network a sandbox may reach. Deny by default; named profiles allow domains (through the server's egress
 * proxy) and address/port pairs. The same profiles apply to every backend.
 */
@ConfigMapping(prefix = "agentbox.egress")
public interface EgressConfig {

    /**
     * The profile a conversation gets when it names none. {@code none} (built in) allows no network at all beyond the
     * sandbox's own loopback.
     */
    @WithDefault("none")
    String defaultProfile();

    /**
     * The HTTP request header with which a call names the egress profile of its conversation's sandbox, on MCP and REST
     * alike. The profile is fixed when the sandbox is created; a later call naming another one while that sandbox runs
     * is refused.
     */
    @WithDefault("Agentbox-Egress-Profile")
    String header();

    /**
     * The key in an MCP request's {@code _meta} that names the egress profile, used when the header is absent.
     */
    @WithDefault("dev.agentbox/egress-profile")
    String metaKey();

    /**
     * The named egress profiles, {@code agentbox.egress.profiles.<name>.domains} and {@code .cidrs}. Names use lower-case
     * letters, digits and {@code -}; {@code none} is built in and cannot be redefined.
     */
    Map<String, ProfileConfig> profiles();

    /**
     * Which profiles a principal may choose, {@code agentbox.egress.grants.<principal>=web,internal-api}; the entry
     * {@code *} applies to principals without one of their own. Without any entry every principal may choose every
     * profile. The profile named by {@code default-profile} is open to everyone.
     */
    Map<String, List<String>> grants();

    /**
     * The egress proxy that enforces domain rules.
     */
    ProxyConfig proxy();

    /**
     * How the local backend connects sandboxes that have egress to the proxy.
     */
    LocalNetworkConfig local();

    /**
     * One named egress profile.
     */
    interface ProfileConfig {

        /**
         * Domains a sandbox may reach through the egress proxy: {@code host}, {@code host:port}, {@code host:low-high} or
         * {@code host:*}; {@code *.example.com} matches every name below {@code example.com} (not {@code example.com}
         * itself). Without a port, 80 and 443. Names that resolve to a private address are refused unless a CIDR rule
         * of the profile covers it; loopback, link-local (the cloud metadata address) and the host's own addresses are
         * always refused.
         */
        Optional<List<String>> domains();

        /**
         * Address ranges a sandbox may reach: {@code 10.1.2.0/24:5432}, {@code 192.0.2.7/32:8000-8100},
         * {@code [2001:db8::/32]:443}; without a port, every port. On the local backend they are reached through the
         * egress proxy (by IP address, or by a name of the domain list that resolves into the range); on Kubernetes
         * they become the NetworkPolicy's address rules.
         */
        Optional<List<String>> cidrs();
    }

    /**
     * The egress proxy that enforces domain rules: HTTP CONNECT and plain HTTP, one per server.
     */
    interface ProxyConfig {

        /**
         * The largest request head (request line and headers) the proxy reads; larger requests get 431 and are closed.
         */
        @WithDefault("16K")
        MemorySize maxRequestHead();

        /**
         * How long a client may take to send its request head before the proxy answers 408 and closes.
         */
        @WithDefault("10S")
        Duration headTimeout();

        /**
         * How long the proxy waits for a connection to an allowed destination before it answers 504.
         */
        @WithDefault("10S")
        Duration connectTimeout();

        /**
         * How long a proxied connection may stay without traffic in either direction before the proxy closes it.
         */
        @WithDefault("10M")
        Duration idleTimeout();

        /**
         * How many proxied connections one sandbox may have open at once; more are answered 429 and closed at once.
         */
        @WithDefault("256")
        int maxConnectionsPerSandbox();

        /**
         * How many connections the proxy holds at once, all sandboxes together; more are closed at once.
         */
        @WithDefault("4096")
        int maxConnections();

        /**
         * Names the proxy resolves itself, before and instead of the system resolver,
         * {@code agentbox.egress.proxy.hosts."api.internal.test"=192.0.2.10}. For tests and for names the host's
         * resolver does not know.
         */
        Map<String, String> hosts();

        /**
         * Whether names missing from {@code hosts} are looked up with the host's resolver. With {@code false} they are
         * refused as unknown.
         */
        @WithDefault("true")
        boolean systemResolver();
    }

    /**
     * How the local backend connects sandboxes with egress: a veth pair per sandbox into its network namespace, and an
     * nftables table on the host that lets each sandbox reach the egress proxy only.
     */
    interface LocalNetworkConfig {

        /**
         * The IPv4 range sandbox addresses come from (one address each); its first address is the proxy's. Choose a
         * range no network of the host uses, one per server on a host.
         */
        @WithDefault("10.231.0.0/16")
        String addressPool();

        /**
         * The port the egress proxy listens on, on the first address of the pool. {@code 0} picks a free port (for
         * tests: a sandbox that outlives the server then keeps the old port in its saved environment).
         */
        @WithDefault("3128")
        int proxyPort();

        /**
         * The prefix of the host's network interfaces and nftables table that belong to this server (a lower-case
         * letter, then up to 7 lower-case letters or digits). Give each server on a host its own.
         */
        @WithDefault("abx")
        String namePrefix();
    }
}
