package dev.agentbox.http;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import dev.agentbox.audit.AuditEvent;
import dev.agentbox.audit.AuditLog;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.quarkus.vertx.http.runtime.security.SecurityHandlerPriorities;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * Answers 403 to requests whose {@code Host} or {@code Origin} the server does not answer to, before anything else
 * (CORS and authentication included) looks at them. Host names match exactly (never by prefix); health checks are
 * exempt so that probes work whatever name they use.
 */
@ApplicationScoped
public class HostOriginFilter {

    private static final Logger LOG = Logger.getLogger(HostOriginFilter.class);
    private static final Set<String> LOOPBACK = Set.of("localhost", "127.0.0.1", "[::1]");

    private final AuditLog audit;
    private final Set<String> hosts;
    private final boolean ipHosts;
    private final Set<String> origins;

    HostOriginFilter(HttpConfig config, AuditLog audit) {
        this.audit = audit;
        this.hosts = config.allowedHosts().orElse(List.of()).stream().map(h -> h.trim().toLowerCase(Locale.ROOT))
                .filter(h -> !h.isEmpty()).collect(Collectors.toUnmodifiableSet());
        this.ipHosts = config.allowIpHosts();
        this.origins = config.allowedOrigins().orElse(List.of()).stream().map(HostOriginFilter::normalizeOrigin)
                .collect(Collectors.toUnmodifiableSet());
    }

    void register(@Observes Filters filters) {
        filters.register(this::handle, SecurityHandlerPriorities.CORS + 100);
    }

    private void handle(RoutingContext context) {
        String path = context.normalizedPath();
        if (path.equals("/q/health") || path.startsWith("/q/health/")) {
            context.next();
            return;
        }
        int port = context.request().localAddress() == null ? -1 : context.request().localAddress().port();
        String host = hostOf(context);
        if (host == null || !hostAllowed(host.trim().toLowerCase(Locale.ROOT), port)) {
            refuse(context, path, "Host '" + printable(host) + "' is not a name this server answers to; add it to "
                    + "agentbox.http.allowed-hosts if it is yours.");
            return;
        }
        String origin = context.request().getHeader("Origin");
        if (origin != null && !originAllowed(origin, host.trim().toLowerCase(Locale.ROOT))) {
            refuse(context, path, "Origin '" + printable(origin) + "' may not call this server; add it to "
                    + "agentbox.http.allowed-origins if it is yours.");
            return;
        }
        context.next();
    }

    /** The Host header, or for HTTP/2 (which has none) the {@code :authority} of the request. */
    private static String hostOf(RoutingContext context) {
        String host = context.request().getHeader("Host");
        if (host == null && context.request().authority() != null) {
            io.vertx.core.net.HostAndPort authority = context.request().authority();
            host = authority.port() >= 0 ? authority.host() + ":" + authority.port() : authority.host();
        }
        return host;
    }

    private boolean hostAllowed(String host, int port) {
        if (hosts.contains(host)) {
            return true;
        }
        HostPort parsed = HostPort.parse(host);
        if (parsed == null) {
            return false;
        }
        if (hosts.contains(parsed.name())) {
            return true;
        }
        int effective = parsed.port() < 0 ? 80 : parsed.port();
        if (LOOPBACK.contains(parsed.name()) && (effective == port || parsed.port() < 0 && port == 443)) {
            return true;
        }
        return ipHosts && parsed.isAddress();
    }

    private boolean originAllowed(String origin, String host) {
        String normalized = normalizeOrigin(origin);
        if (origins.contains(normalized)) {
            return true;
        }
        URI uri;
        try {
            uri = URI.create(normalized);
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (uri.getHost() == null || !(("http".equals(uri.getScheme())) || "https".equals(uri.getScheme()))) {
            return false;
        }
        String originHost = uri.getHost().toLowerCase(Locale.ROOT);
        if (LOOPBACK.contains(originHost) || LOOPBACK.contains("[" + originHost + "]") || originHost.equals("::1")) {
            return true;
        }
        // The server's own pages: the origin names the host the request was sent to (already allowed above).
        String authority = uri.getPort() < 0 ? originHost : originHost + ":" + uri.getPort();
        return authority.equals(host) || originHost.equals(host);
    }

    private void refuse(RoutingContext context, String path, String message) {
        LOG.debugf("Request refused by the Host and Origin check [path: %s]", path);
        String remote = context.request().remoteAddress() == null ? null
                : context.request().remoteAddress().hostAddress();
        audit.record(AuditEvent.access(null, context.request().method().name(), path, remote, 403, message));
        if (!context.request().isEnded()) {
            context.request().resume();
        }
        context.response().setStatusCode(403).putHeader("Content-Type", "application/json")
                .end(new JsonObject().put("reason", "FORBIDDEN").put("message", message).encode());
    }

    private static String normalizeOrigin(String origin) {
        String trimmed = origin.trim().toLowerCase(Locale.ROOT);
        return trimmed.endsWith("/") ? trimmed.substring(0, trimmed.length() - 1) : trimmed;
    }

    private static String printable(String value) {
        if (value == null) {
            return "";
        }
        String cut = value.length() > 100 ? value.substring(0, 100) + "..." : value;
        return cut.codePoints().map(c -> c < 0x20 || c >= 0x7f ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    }

    /** A Host header split into name and port ({@code -1} when absent). */
    record HostPort(String name, int port) {

        static HostPort parse(String host) {
            String name = host;
            int port = -1;
            int colon = host.lastIndexOf(':');
            if (host.startsWith("[")) {
                int close = host.indexOf(']');
                if (close < 0) {
                    return null;
                }
                name = host.substring(0, close + 1);
                if (close + 1 < host.length()) {
                    if (host.charAt(close + 1) != ':') {
                        return null;
                    }
                    port = parsePort(host.substring(close + 2));
                }
            } else if (colon >= 0) {
                name = host.substring(0, colon);
                port = parsePort(host.substring(colon + 1));
            }
            if (port == -2 || name.isEmpty() || !name.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
                return null;
            }
            return new HostPort(name, port);
        }

        /** @return whether the name is an IPv4 address or a bracketed IPv6 address */
        boolean isAddress() {
            if (name.startsWith("[")) {
                return name.length() > 2 && name.substring(1, name.length() - 1).chars()
                        .allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.');
            }
            String[] parts = name.split("\\.", -1);
            if (parts.length != 4) {
                return false;
            }
            for (String part : parts) {
                if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit)
                        || Integer.parseInt(part) > 255) {
                    return false;
                }
            }
            return true;
        }

        private static int parsePort(String text) {
            if (text.isEmpty() || text.length() > 5 || !text.chars().allMatch(Character::isDigit)) {
                return -2;
            }
            int port = Integer.parseInt(text);
            return port > 65535 ? -2 : port;
        }
    }
}
