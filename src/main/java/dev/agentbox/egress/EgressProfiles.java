package dev.agentbox.egress;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import dev.agentbox.toolcall.Reason;
import dev.agentbox.toolcall.ToolFailure;
import io.quarkus.runtime.StartupEvent;

/**
 * The configured egress profiles, checked once when the server starts: a bad domain, range or name stops the start
 * with a message naming the entry. Also the one place that decides which profile a conversation gets.
 */
@ApplicationScoped
public class EgressProfiles {

    private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    private final Map<String, EgressPolicy> profiles;
    private final EgressPolicy defaultPolicy;
    private final ProfileGrants grants;

    EgressProfiles(EgressConfig config, ProfileGrants grants) {
        this.profiles = parse(config.profiles());
        this.grants = grants;
        this.defaultPolicy = profiles.get(config.defaultProfile());
        if (defaultPolicy == null) {
            throw new IllegalStateException("Invalid egress configuration: agentbox.egress.default-profile names '"
                    + config.defaultProfile() + "', which is not a profile; known: " + profiles.keySet());
        }
        for (Map.Entry<String, List<String>> grant : config.grants().entrySet()) {
            for (String profile : grant.getValue()) {
                if (!profiles.containsKey(profile)) {
                    throw new IllegalStateException("Invalid egress configuration: agentbox.egress.grants."
                            + grant.getKey() + " names '" + profile + "', which is not a profile; known: "
                            + profiles.keySet());
                }
            }
        }
    }

    /** Checks the configuration as the server starts (the bean is made here), not on the first call. */
    void onStart(@Observes @Priority(1) StartupEvent event) {
    }

    /**
     * Reads and checks every profile of the configuration.
     *
     * @param configured the profiles as configured, by name
     * @return the profiles by name, {@code none} first
     * @throws IllegalStateException naming the first bad entry
     */
    static Map<String, EgressPolicy> parse(Map<String, EgressConfig.ProfileConfig> configured) {
        Map<String, EgressPolicy> parsed = new LinkedHashMap<>();
        parsed.put(EgressPolicy.NONE.profile(), EgressPolicy.NONE);
        for (Map.Entry<String, EgressConfig.ProfileConfig> entry : new TreeMap<>(configured).entrySet()) {
            String name = entry.getKey();
            String key = "agentbox.egress.profiles." + name;
            if (!NAME.matcher(name).matches()) {
                throw invalid(key, name, "a profile name uses lower-case letters, digits and inner hyphens, at most "
                        + "63 characters");
            }
            if (name.equals(EgressPolicy.NONE.profile())) {
                throw invalid(key, name, "'none' is built in (no network) and cannot be redefined");
            }
            List<DomainRule> domains = new ArrayList<>();
            for (String domain : entry.getValue().domains().orElse(List.of())) {
                try {
                    domains.addAll(DomainRule.parse(domain));
                } catch (IllegalArgumentException e) {
                    throw invalid(key + ".domains", domain, e.getMessage());
                }
            }
            List<CidrRule> cidrs = new ArrayList<>();
            for (String cidr : entry.getValue().cidrs().orElse(List.of())) {
                try {
                    cidrs.add(CidrRule.parse(cidr));
                } catch (IllegalArgumentException e) {
                    throw invalid(key + ".cidrs", cidr, e.getMessage());
                }
            }
            if (domains.isEmpty() && cidrs.isEmpty()) {
                throw invalid(key, name, "the profile allows nothing; give it domains or cidrs, or use 'none'");
            }
            parsed.put(name, new EgressPolicy(name, domains, cidrs));
        }
        return parsed;
    }

    private static IllegalStateException invalid(String key, String entry, String why) {
        return new IllegalStateException("Invalid egress configuration: " + key + " entry '" + entry + "': " + why);
    }

    /**
     * @return the profile conversations get when they name none
     */
    public EgressPolicy defaultPolicy() {
        return defaultPolicy;
    }

    /**
     * @return every profile by name, {@code none} included
     */
    public Map<String, EgressPolicy> all() {
        return profiles;
    }

    /**
     * @return whether some profile allows any network (then the backend must be able to enforce egress)
     */
    public boolean anyAllowsNetwork() {
        return profiles.values().stream().anyMatch(EgressPolicy::allowsAny);
    }

    /**
     * The profile a call asks for, checked against what its principal may use.
     *
     * @param principal who is calling
     * @param name the profile the call names
     * @return the profile's policy
     * @throws ToolFailure {@code INVALID_ARGUMENT} for an unknown profile, {@code FORBIDDEN} for one the principal may
     *         not use
     */
    public EgressPolicy choose(String principal, String name) {
        EgressPolicy policy = profiles.get(name);
        if (policy == null) {
            throw ToolFailure.invalid("Egress profile '" + printable(name) + "' does not exist; the profiles are "
                    + String.join(", ", profiles.keySet()) + ".");
        }
        if (policy != defaultPolicy && !grants.mayUse(principal, name)) {
            throw new ToolFailure(Reason.FORBIDDEN, "Principal '" + principal + "' may not use egress profile '" + name
                    + "'; ask the operator to grant it, or name another profile.");
        }
        return policy;
    }

    /**
     * @return whether a sandbox created with this policy still has the rules its profile has now
     */
    public boolean isCurrent(EgressPolicy policy) {
        EgressPolicy now = profiles.get(policy.profile());
        return now != null && now.rules().equals(policy.rules());
    }

    private static String printable(String text) {
        String cut = text.length() > 64 ? text.substring(0, 64) + "..." : text;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
