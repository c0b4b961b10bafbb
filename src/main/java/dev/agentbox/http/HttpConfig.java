package dev.agentbox.http;

import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Which Host and Origin headers the server answers to, on every address it listens on: a defence against DNS
 * rebinding and against web pages that try to drive the server from a visitor's browser.
 */
@ConfigMapping(prefix = "agentbox.http")
public interface HttpConfig {

    /**
     * Host names (optionally {@code name:port}) that requests may carry in their {@code Host} header, besides
     * {@code localhost}, {@code 127.0.0.1} and {@code [::1]} on the port the request arrived at. Put the public name
     * of the server here when it is reached through one, for example {@code agentbox.example.com}.
     */
    Optional<List<String>> allowedHosts();

    /**
     * Whether a {@code Host} that is an IP address (as Kubernetes probes and Prometheus send) is accepted. A DNS
     * rebinding attack always carries the attacker's name, never an address, so this is safe with the Origin check.
     */
    @WithDefault("true")
    boolean allowIpHosts();

    /**
     * Origins ({@code scheme://host[:port]}) whose web pages may call the server, besides loopback origins and the
     * server's own origin. A request with any other {@code Origin} gets 403.
     */
    Optional<List<String>> allowedOrigins();
}
