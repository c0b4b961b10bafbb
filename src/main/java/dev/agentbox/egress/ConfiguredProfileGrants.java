package dev.agentbox.egress;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.arc.DefaultBean;

/**
 * The grants of {@code agentbox.egress.grants}: a principal's own entry, else the {@code *} entry, else (no entry at
 * all) every profile. Permissive by default because every caller is the same principal while authentication is off;
 * an operator who defines profiles wider than some callers should have lists them here.
 */
@DefaultBean
@ApplicationScoped
public class ConfiguredProfileGrants implements ProfileGrants {

    private final EgressConfig config;

    ConfiguredProfileGrants(EgressConfig config) {
        this.config = config;
    }

    @Override
    public boolean mayUse(String principal, String profile) {
        List<String> granted = config.grants().get(principal);
        if (granted == null) {
            granted = config.grants().get("*");
        }
        return granted == null || granted.contains(profile);
    }
}
