package dev.agentbox.sandbox.kubernetes;

import java.util.List;

/**
 * What an egress profile allows, in the terms a NetworkPolicy can enforce below the sandbox: direct connections to
 * address ranges and ports, and whether the sandbox may reach the server's egress proxy (which enforces domain
 * rules). The backend-neutral egress policy supplies this; {@link SandboxNetworkPolicies} turns it into one
 * NetworkPolicy per profile. Sandbox pods carry their profile in the {@code agentbox.dev/egress-profile} label.
 */
public interface EgressRules {

    /**
     * @return the profile's name: a label value (letters, digits, {@code -_.}, at most 63 characters)
     */
    String profile();

    /**
     * @return where the profile's sandboxes may connect directly
     */
    List<Destination> destinations();

    /**
     * @return whether the profile's sandboxes may connect to the egress proxy
     */
    boolean proxy();

    /**
     * One allowed destination.
     *
     * @param cidr an IPv4 or IPv6 range, for example {@code 10.20.0.0/16}
     * @param port a port, or {@code null} for every port
     * @param protocol {@code TCP}, {@code UDP} or {@code SCTP}
     */
    record Destination(String cidr, Integer port, String protocol) {
    }
}
