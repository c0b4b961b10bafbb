package dev.agentbox.auth;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Who may call: whether callers must authenticate, the API keys the server accepts, and the roles that open the
 * administrative surface. OIDC bearer tokens are configured with the {@code quarkus.oidc.*} options (see the README).
 */
@ConfigMapping(prefix = "agentbox.auth")
public interface AuthConfig {

    /**
     * Whether callers must authenticate: {@code AUTO} (on, unless the server listens on loopback addresses alone),
     * {@code ON} (always) or {@code OFF} (never; every caller is {@code anonymous} and may administer the server, and
     * a warning is logged at every start when the server listens beyond loopback).
     */
    @WithDefault("AUTO")
    Mode mode();

    /**
     * API keys accepted from configuration, by name: {@code agentbox.auth.api-keys."<name>".sha256=<hex>}. Keys are
     * stored only as their SHA-256, never in clear.
     */
    Map<String, ApiKey> apiKeys();

    /**
     * A file of more API keys, one per line: {@code <sha256 hex> <principal> [role,role...]}; {@code #} starts a
     * comment. It is read again when it changes, so keys can be added and revoked without a restart.
     */
    Optional<Path> apiKeysFile();

    /**
     * The role that may list, read and delete every principal's conversations, and read the whole audit log.
     */
    @WithDefault("admin")
    String adminRole();

    /**
     * The role (besides the admin role) that may read {@code /q/metrics} while authentication is on.
     */
    @WithDefault("metrics")
    String metricsRole();

    /**
     * What is put before an OIDC token's principal claim to make the agentbox principal, so that an OIDC subject can
     * never be mistaken for an API key's principal of the same name. Set it to an empty string to let the two meet.
     */
    @WithDefault("oidc:")
    String oidcPrincipalPrefix();

    /**
     * Request paths that need no authentication, as exact paths or prefixes ending in {@code /*}. Health checks and
     * the OAuth protected resource metadata must stay reachable.
     */
    @WithDefault("/q/health,/q/health/*,/.well-known/*")
    List<String> publicPaths();

    /** When authentication applies. */
    enum Mode {
        /** On unless the server listens on loopback addresses alone. */
        AUTO,
        /** Always on. */
        ON,
        /** Always off: every caller is anonymous. */
        OFF
    }

    /**
     * One API key from configuration.
     */
    interface ApiKey {

        /**
         * The SHA-256 of the key, as 64 hexadecimal characters ({@code printf %s "$key" | sha256sum}).
         */
        String sha256();

        /**
         * The principal the key authenticates; defaults to the key's name.
         */
        Optional<String> principal();

        /**
         * The roles the key grants, for example {@code admin}.
         */
        Optional<List<String>> roles();
    }
}
