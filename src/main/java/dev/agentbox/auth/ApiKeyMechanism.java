package dev.agentbox.auth;

import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;

/**
 * Authenticates {@code Authorization: Bearer <API key>}. Bearer tokens shaped like a JWT (three dot-separated parts)
 * are left to OIDC; any other bearer token must be an accepted API key, or the request fails with 401. Keys in the
 * query string are never looked at.
 */
@ApplicationScoped
public class ApiKeyMechanism implements HttpAuthenticationMechanism {

    private static final String BEARER = "bearer ";
    private static final int MAX_KEY_LENGTH = 512;

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identities) {
        String token = bearerToken(context);
        if (token == null || looksLikeJwt(token)) {
            return Uni.createFrom().nullItem();
        }
        if (token.length() > MAX_KEY_LENGTH) {
            return Uni.createFrom().failure(new AuthenticationFailedException("The API key is too long"));
        }
        return identities.authenticate(new ApiKeyRequest(token));
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        // OIDC's challenge (which names the protected resource metadata) is the better one when OIDC is on; the access
        // filter falls back to a plain Bearer challenge.
        return Uni.createFrom().nullItem();
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(ApiKeyRequest.class);
    }

    @Override
    public int getPriority() {
        return DEFAULT_PRIORITY + 100;
    }

    /**
     * @return the bearer token of the request, or {@code null}
     */
    static String bearerToken(RoutingContext context) {
        String header = context.request().getHeader("Authorization");
        if (header == null || header.length() <= BEARER.length()
                || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return null;
        }
        return header.substring(BEARER.length()).trim();
    }

    static boolean looksLikeJwt(String token) {
        int first = token.indexOf('.');
        return first > 0 && token.indexOf('.', first + 1) > first + 1 && token.chars().filter(c -> c == '.').count() == 2;
    }
}
