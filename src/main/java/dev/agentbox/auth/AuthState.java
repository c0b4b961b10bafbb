package dev.agentbox.auth;

import java.net.InetAddress;
import java.net.UnknownHostException;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;

/**
 * Whether authentication applies, decided once from {@code agentbox.auth.mode} and the address the server listens
 * on: a server reachable only over loopback serves its own machine, anything else serves a network.
 */
@ApplicationScoped
public class AuthState {

    private static final Logger LOG = Logger.getLogger(AuthState.class);

    private final AuthConfig config;
    private final ApiKeys keys;
    private final String host;
    private final boolean loopbackOnly;
    private final boolean enabled;
    private final boolean oidc;

    AuthState(AuthConfig config, ApiKeys keys, @ConfigProperty(name = "quarkus.http.host") String host,
            @ConfigProperty(name = "quarkus.oidc.tenant-enabled", defaultValue = "true") boolean oidcEnabled,
            @ConfigProperty(name = "quarkus.oidc.auth-server-url") java.util.Optional<String> authServer,
            @ConfigProperty(name = "quarkus.oidc.public-key") java.util.Optional<String> publicKey) {
        this.config = config;
        this.keys = keys;
        this.host = host;
        this.loopbackOnly = isLoopback(host);
        this.enabled = switch (config.mode()) {
            case ON -> true;
            case OFF -> false;
            case AUTO -> !loopbackOnly;
        };
        this.oidc = oidcEnabled && (authServer.isPresent() || publicKey.isPresent());
    }

    /**
     * @return whether callers must authenticate
     */
    public boolean enabled() {
        return enabled;
    }

    void onStart(@Observes @Priority(5) StartupEvent event) {
        if (!enabled) {
            if (loopbackOnly) {
                LOG.infof("Authentication off: the server listens on loopback only and every caller is anonymous "
                        + "[host: %s, mode: %s]", host, config.mode());
            } else {
                LOG.warnf("Authentication is OFF while the server listens on %s: anyone who reaches it runs commands "
                        + "as 'anonymous' and may administer it. Set agentbox.auth.mode=AUTO (the default) or ON.",
                        host);
            }
            return;
        }
        int apiKeys = keys.count();
        LOG.infof("Authentication on [host: %s, mode: %s, api-keys: %d, oidc: %s, admin-role: %s]", host,
                config.mode(), apiKeys, oidc ? "on" : "off", config.adminRole());
        if (apiKeys == 0 && !oidc) {
            LOG.warnf("Authentication is on but no API key and no OIDC provider is configured: every call is refused "
                    + "with 401. Configure agentbox.auth.api-keys, agentbox.auth.api-keys-file or quarkus.oidc.*.");
        }
    }

    static boolean isLoopback(String host) {
        if (host == null || host.isBlank()) {
            return false;
        }
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (bare.equalsIgnoreCase("localhost")) {
            return true;
        }
        try {
            // Only literal addresses are resolved without a lookup; a name other than localhost counts as not loopback.
            if (!bare.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == '.' || c == ':')) {
                return false;
            }
            return InetAddress.getByName(bare).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
