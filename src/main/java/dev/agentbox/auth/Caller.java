package dev.agentbox.auth;

import java.util.Set;

/**
 * Who is calling, as every rule of the server sees it: the principal that owns what the call touches, its roles, and
 * how it proved who it is.
 *
 * @param principal the owner of conversations, sandboxes and jobs ({@code anonymous} while authentication is off)
 * @param roles the roles granted by the API key or the token
 * @param method how the caller authenticated: {@code api-key}, {@code oidc} or {@code none}
 * @param admin whether the caller may administer every principal's conversations
 */
public record Caller(String principal, Set<String> roles, String method, boolean admin) {

    /** The principal of every call while authentication is off. */
    public static final String ANONYMOUS = "anonymous";

    /** Where the caller of a request is kept in its routing context. */
    public static final String KEY = "agentbox.caller";

    /** Every call while authentication is off: anonymous, and trusted to administer the server it runs next to. */
    public static final Caller NO_AUTH = new Caller(ANONYMOUS, Set.of(), "none", true);

    public Caller {
        roles = Set.copyOf(roles);
    }
}
