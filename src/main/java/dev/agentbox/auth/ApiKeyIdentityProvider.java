package dev.agentbox.auth;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * Turns an accepted API key into a security identity: the key's principal and roles, marked as coming from an API key.
 */
@ApplicationScoped
public class ApiKeyIdentityProvider implements IdentityProvider<ApiKeyRequest> {

    /** Identity attribute set on identities made from an API key. */
    static final String API_KEY_ATTRIBUTE = "agentbox.api-key";

    private final ApiKeys keys;

    ApiKeyIdentityProvider(ApiKeys keys) {
        this.keys = keys;
    }

    @Override
    public Class<ApiKeyRequest> getRequestType() {
        return ApiKeyRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(ApiKeyRequest request, AuthenticationRequestContext context) {
        return Uni.createFrom().item(() -> keys.find(request.key())
                .map(entry -> (SecurityIdentity) QuarkusSecurityIdentity.builder()
                        .setPrincipal(new QuarkusPrincipal(entry.principal())).addRoles(entry.roles())
                        .addAttribute(API_KEY_ATTRIBUTE, Boolean.TRUE).build())
                .orElseThrow(() -> new AuthenticationFailedException("The API key is not accepted")));
    }
}
