package dev.agentbox.auth;

import java.util.List;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import dev.agentbox.audit.AuditEvent;
import dev.agentbox.audit.AuditLog;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticator;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.quarkus.vertx.http.runtime.security.SecurityHandlerPriorities;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * Decides, before any endpoint runs, whether a request may go on: it authenticates the caller when authentication is
 * on, answers 401 (with a Bearer challenge) or 403 as HTTP statuses on MCP and REST alike, keeps the administrative
 * paths to the admin role, and binds every MCP session to the principal that opened it. It runs after Quarkus has
 * prepared authentication (lazily) and before Quarkus' own authorization, so no endpoint's failure handler is
 * involved in refusing a request.
 */
@ApplicationScoped
public class AccessFilter {

    private static final Logger LOG = Logger.getLogger(AccessFilter.class);
    private static final String SESSION_HEADER = "Mcp-Session-Id";
    private static final Set<String> QUERY_CREDENTIALS = Set.of("access_token", "token", "api_key", "apikey", "key",
            "bearer");
    private static final SecurityIdentity ANONYMOUS = QuarkusSecurityIdentity.builder().setAnonymous(true).build();

    private final AuthState state;
    private final AuthConfig config;
    private final McpSessionOwners sessions;
    private final AuditLog audit;
    private final List<String> publicPaths;

    AccessFilter(AuthState state, AuthConfig config, McpSessionOwners sessions, AuditLog audit) {
        this.state = state;
        this.config = config;
        this.sessions = sessions;
        this.audit = audit;
        this.publicPaths = List.copyOf(config.publicPaths());
    }

    void register(@Observes Filters filters) {
        filters.register(this::handle, SecurityHandlerPriorities.AUTHENTICATION - 50);
    }

    private void handle(RoutingContext context) {
        String path = context.normalizedPath();
        if (!state.enabled()) {
            // Nothing downstream may authenticate either: a stray token on a loopback server is ignored, not refused.
            QuarkusHttpUser.setIdentity(ANONYMOUS, context);
            context.put(Caller.KEY, Caller.NO_AUTH);
            context.next();
            return;
        }
        if (isPublic(path)) {
            context.next();
            return;
        }
        // The identity is resolved here, once; its failure is answered here too, not by an endpoint's handler.
        context.put(QuarkusHttpUser.AUTH_FAILURE_HANDLER, (java.util.function.BiConsumer<RoutingContext, Throwable>) (
                c, f) -> {
        });
        QuarkusHttpUser.getSecurityIdentity(context, null).subscribe().with(
                identity -> decide(context, path, identity),
                failure -> unauthorized(context, path, "The credentials are not valid (unknown API key, or a token that "
                        + "is expired, not yet valid, badly signed or meant for another audience)."));
    }

    private void decide(RoutingContext context, String path, SecurityIdentity identity) {
        if (context.response().ended()) {
            return;
        }
        if (identity == null || identity.isAnonymous()) {
            String hint = hasQueryCredentials(context)
                    ? " Credentials in the URL are never accepted (they end up in logs): send them in the Authorization header."
                    : "";
            unauthorized(context, path, "Authentication is required: send Authorization: Bearer <API key or OIDC "
                    + "access token>." + hint);
            return;
        }
        Caller caller = caller(identity);
        context.put(Caller.KEY, caller);
        if (path.startsWith("/api/admin") && !caller.admin()) {
            forbidden(context, caller, path, "This needs the role '" + config.adminRole() + "'.");
            return;
        }
        if (path.startsWith("/q/metrics") && !caller.admin() && !caller.roles().contains(config.metricsRole())) {
            forbidden(context, caller, path, "Metrics need the role '" + config.metricsRole() + "' or '"
                    + config.adminRole() + "'.");
            return;
        }
        if (path.equals("/mcp") || path.startsWith("/mcp/")) {
            String session = context.request().getHeader(SESSION_HEADER);
            if (session != null && !sessions.owns(session, caller.principal())) {
                // As for a session that never existed: nothing tells whether it belongs to someone else.
                LOG.debugf("MCP session of another principal refused [principal: %s]", caller.principal());
                respond(context, 404, "NOT_FOUND", "There is no MCP session with this id; initialize a new one.");
                return;
            }
            if (session == null) {
                context.addHeadersEndHandler(v -> {
                    String opened = context.response().headers().get(SESSION_HEADER);
                    if (opened != null) {
                        sessions.bind(opened, caller.principal());
                    }
                });
            } else if (context.request().method() == HttpMethod.DELETE) {
                context.addEndHandler(v -> {
                    if (context.response().getStatusCode() < 300) {
                        sessions.forget(session);
                    }
                });
            }
        }
        context.next();
    }

    private Caller caller(SecurityIdentity identity) {
        boolean apiKey = identity.getAttribute(ApiKeyIdentityProvider.API_KEY_ATTRIBUTE) != null;
        String name = identity.getPrincipal().getName();
        String principal = apiKey ? name : config.oidcPrincipalPrefix() + name;
        return new Caller(principal, identity.getRoles(), apiKey ? "api-key" : "oidc",
                identity.hasRole(config.adminRole()));
    }

    private void unauthorized(RoutingContext context, String path, String message) {
        if (context.response().ended()) {
            return;
        }
        audit.record(AuditEvent.access(null, context.request().method().name(), path, remote(context), 401,
                message));
        HttpAuthenticator authenticator = context.get(HttpAuthenticator.class.getName());
        io.smallrye.mutiny.Uni<ChallengeData> challenge = authenticator == null ? io.smallrye.mutiny.Uni.createFrom()
                .nullItem() : authenticator.getChallenge(context);
        challenge.onFailure().recoverWithNull().subscribe().with(data -> {
            if (data != null) {
                data.getHeaders().forEach((name, value) -> context.response().headers().set(name, value));
            }
            if (!context.response().headers().contains("WWW-Authenticate")) {
                context.response().headers().set("WWW-Authenticate", "Bearer realm=\"agentbox\"");
            }
            respond(context, 401, "UNAUTHENTICATED", message);
        });
    }

    private void forbidden(RoutingContext context, Caller caller, String path, String message) {
        audit.record(AuditEvent.access(caller.principal(), context.request().method().name(), path, remote(context),
                403, message));
        respond(context, 403, "FORBIDDEN", message);
    }

    private static void respond(RoutingContext context, int status, String reason, String message) {
        if (context.response().ended()) {
            return;
        }
        if (!context.request().isEnded()) {
            context.request().resume();
        }
        context.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                .end(new JsonObject().put("reason", reason).put("message", message).encode());
    }

    private boolean isPublic(String path) {
        for (String open : publicPaths) {
            if (open.endsWith("/*") ? path.startsWith(open.substring(0, open.length() - 1))
                    || path.equals(open.substring(0, open.length() - 2)) : path.equals(open)) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasQueryCredentials(RoutingContext context) {
        return context.queryParams().names().stream().anyMatch(n -> QUERY_CREDENTIALS.contains(n.toLowerCase()));
    }

    static String remote(RoutingContext context) {
        return context.request().remoteAddress() == null ? null : context.request().remoteAddress().hostAddress();
    }
}
