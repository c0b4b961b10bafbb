package dev.agentbox.egress;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The egress rules of one sandbox, fixed when it is created: backend-neutral, so that the local backend turns them into
 * proxy decisions and nftables rules, and the Kubernetes backend into a NetworkPolicy. {@link #rules()} is its
 * serialisable form.
 *
 * @param profile the profile the rules come from
 * @param domains the domains the sandbox may reach through the egress proxy
 * @param cidrs the address ranges the sandbox may reach
 */
public record EgressPolicy(String profile, List<DomainRule> domains, List<CidrRule> cidrs) {

    /** No network beyond the sandbox's own loopback. */
    public static final EgressPolicy NONE = new EgressPolicy("none", List.of(), List.of());

    public EgressPolicy {
        domains = List.copyOf(domains);
        cidrs = List.copyOf(cidrs);
    }

    /**
     * Builds a policy from the text of its rules.
     *
     * @throws IllegalArgumentException when a rule does not parse
     */
    public static EgressPolicy of(String profile, List<String> domains, List<String> cidrs) {
        List<DomainRule> domainRules = new ArrayList<>();
        for (String domain : domains == null ? List.<String> of() : domains) {
            domainRules.addAll(DomainRule.parse(domain));
        }
        List<CidrRule> cidrRules = new ArrayList<>();
        for (String cidr : cidrs == null ? List.<String> of() : cidrs) {
            cidrRules.add(CidrRule.parse(cidr));
        }
        return new EgressPolicy(profile, domainRules, cidrRules);
    }

    /**
     * @return the policy as the profile name and the canonical text of each rule: what {@code sandbox_info} shows and
     *         records keep
     */
    public Rules rules() {
        return new Rules(profile, domains.stream().map(DomainRule::toString).toList(),
                cidrs.stream().map(CidrRule::toString).toList());
    }

    /**
     * @return whether the sandbox may reach anything at all (it then needs a network interface and the proxy)
     */
    public boolean allowsAny() {
        return !domains.isEmpty() || !cidrs.isEmpty();
    }

    /**
     * @param host a host name (any case, trailing dot allowed)
     * @return whether a domain rule allows the name on the port
     */
    public boolean allowsName(String host, int port) {
        String name = host.toLowerCase(Locale.ROOT);
        String normalized = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        return domains.stream().anyMatch(r -> r.allows(normalized, port));
    }

    /**
     * @return whether an address rule allows the address on the port
     */
    public boolean allowsAddress(InetAddress address, int port) {
        return cidrs.stream().anyMatch(r -> r.allows(address, port));
    }

    /**
     * @return the rules in one line, for the agent and the logs
     */
    public String summary() {
        if (!allowsAny()) {
            return "profile '" + profile + "': no network";
        }
        List<String> all = new ArrayList<>(rules().domains());
        all.addAll(rules().cidrs());
        return "profile '" + profile + "': " + String.join(", ", all);
    }

    /**
     * The serialisable form of a policy.
     *
     * @param profile the profile name
     * @param domains each domain rule as {@code name:ports} ({@code *.} first for a wildcard)
     * @param cidrs each address rule as {@code address/length:ports} (IPv6 in brackets)
     */
    public record Rules(String profile, List<String> domains, List<String> cidrs) {

        /**
         * @return the policy these rules describe
         * @throws IllegalArgumentException when a rule does not parse
         */
        public EgressPolicy toPolicy() {
            return EgressPolicy.of(profile, domains, cidrs);
        }
    }
}
