package dev.agentbox.auth;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/**
 * An API key presented by a caller, to be checked by {@link ApiKeyIdentityProvider}.
 */
public final class ApiKeyRequest extends BaseAuthenticationRequest {

    private final String key;

    ApiKeyRequest(String key) {
        this.key = key;
    }

    String key() {
        return key;
    }
}
