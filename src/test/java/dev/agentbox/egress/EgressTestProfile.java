package dev.agentbox.egress;

import java.util.HashMap;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Egress profiles over this run's test hosts: {@code api} allows {@code api.internal.test:8080} only; {@code traps}
 * also allows names that resolve to a private, a link-local and a loopback address, and one address rule. The proxy
 * resolves names from a fixed map only, so no test ever asks a real resolver.
 */
public class EgressTestProfile implements QuarkusTestProfile {

    /** The API host: serves on 8080 (allowed) and 8081 (not). */
    public static final int API = 1;
    /** A second host, in no rule. */
    public static final int OTHER = 2;
    /** A host reachable by address through the {@code traps} profile's address rule only. */
    public static final int BY_ADDRESS = 3;

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> config = new HashMap<>();
        config.put("agentbox.egress.profiles.api.domains", "api.internal.test:8080");
        config.put("agentbox.egress.profiles.traps.domains", "api.internal.test:8080,private.test:8080,"
                + "metadata.test:80,loopback.test:8080,*.wild.test:8080");
        config.put("agentbox.egress.profiles.traps.cidrs", TestHosts.address(BY_ADDRESS) + "/32:8080");
        config.put("agentbox.egress.proxy.hosts.\"api.internal.test\"", TestHosts.address(API));
        config.put("agentbox.egress.proxy.hosts.\"other.internal.test\"", TestHosts.address(OTHER));
        config.put("agentbox.egress.proxy.hosts.\"private.test\"", "10.255.255.1");
        config.put("agentbox.egress.proxy.hosts.\"metadata.test\"", "169.254.169.254");
        config.put("agentbox.egress.proxy.hosts.\"loopback.test\"", "127.0.0.1");
        config.put("agentbox.egress.proxy.hosts.\"deep.name.wild.test\"", TestHosts.address(API));
        config.put("agentbox.egress.proxy.system-resolver", "false");
        config.put("agentbox.egress.proxy.max-connections-per-sandbox", "32");
        config.put("agentbox.egress.local.address-pool", "10." + (200 + TestHosts.OCTET % 50) + ".0.0/16");
        return config;
    }
}
