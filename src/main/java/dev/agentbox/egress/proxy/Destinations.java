package dev.agentbox.egress.proxy;

import java.net.InetAddress;
import java.util.List;
import java.util.function.Predicate;

import dev.agentbox.egress.Addresses;
import dev.agentbox.egress.EgressPolicy;

/**
 * The proxy's rules for one destination. A name must match a domain rule before it is even resolved (so names outside
 * the policy never reach a resolver); its address must then be public, or internal and covered by an address rule. An
 * address given directly must be covered by an address rule. Loopback, link-local (the cloud metadata server), the
 * host's own addresses and the sandboxes' own range are refused whatever the rules say.
 */
final class Destinations {

    private final Predicate<InetAddress> hostOwn;

    /**
     * @param hostOwn tells whether an address belongs to this host or to the sandboxes' range
     */
    Destinations(Predicate<InetAddress> hostOwn) {
        this.hostOwn = hostOwn;
    }

    /**
     * The outcome of a check: an address to connect to, a name still to resolve, or a refusal.
     *
     * @param address the address to connect to, or {@code null}
     * @param resolve whether the name must be resolved and its addresses checked with {@link #checkResolved}
     * @param refusal why the destination is refused, or {@code null}
     */
    record Verdict(InetAddress address, boolean resolve, String refusal) {

        static Verdict refuse(String why) {
            return new Verdict(null, false, why);
        }
    }

    /**
     * Checks a destination before any name resolution.
     */
    Verdict check(EgressPolicy policy, String host, int port) {
        InetAddress literal = Addresses.literal(host);
        if (literal == null) {
            return policy.allowsName(host, port) ? new Verdict(null, true, null)
                    : Verdict.refuse(policy.domains().stream().anyMatch(d -> d.allows(host, d.ports().from()))
                            ? "port " + port + " is not allowed for this host"
                            : "the host is not in the profile's domains");
        }
        String never = never(literal);
        if (never != null) {
            return Verdict.refuse(never);
        }
        return policy.allowsAddress(literal, port) ? new Verdict(literal, false, null)
                : Verdict.refuse("no address rule of the profile covers " + Addresses.text(literal) + " port " + port);
    }

    /**
     * Picks the first address of an allowed name that the rules let the sandbox reach.
     */
    Verdict checkResolved(EgressPolicy policy, String host, int port, List<InetAddress> addresses) {
        String firstRefusal = "the name has no address";
        for (InetAddress address : addresses) {
            String refusal = never(address);
            if (refusal == null && Addresses.kind(address) == Addresses.Kind.INTERNAL
                    && !policy.allowsAddress(address, port)) {
                refusal = "the name resolves to the internal address " + Addresses.text(address)
                        + ", which no address rule of the profile covers";
            }
            if (refusal == null) {
                return new Verdict(address, false, null);
            }
            if (addresses.indexOf(address) == 0) {
                firstRefusal = refusal.startsWith("the name") ? refusal : "the name resolves to " + refusal;
            }
        }
        return Verdict.refuse(firstRefusal);
    }

    private String never(InetAddress address) {
        if (Addresses.kind(address) == Addresses.Kind.NEVER) {
            return Addresses.text(address) + ", a loopback, link-local, multicast or unspecified address, which is "
                    + "never reachable";
        }
        if (hostOwn.test(address)) {
            return Addresses.text(address) + ", an address of the agentbox host or its sandboxes, which is never "
                    + "reachable";
        }
        return null;
    }
}
