package dev.agentbox.conversation;

import jakarta.enterprise.context.ApplicationScoped;

import dev.agentbox.auth.AuthState;
import dev.agentbox.auth.Caller;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.vertx.ext.web.RoutingContext;

/**
 * Tells who is calling: the principal the access filter authenticated for the current request, or
 * {@value #ANONYMOUS} while authentication is off (then all conversations belong to one principal).
 */
@ApplicationScoped
public class Callers {

    /** The principal of every call while authentication is off. */
    public static final String ANONYMOUS = Caller.ANONYMOUS;

    private final CurrentVertxRequest currentRequest;
    private final AuthState auth;

    Callers(CurrentVertxRequest currentRequest, AuthState auth) {
        this.currentRequest = currentRequest;
        this.auth = auth;
    }

    /**
     * @return the principal of the current call
     * @throws IllegalStateException when authentication is on and the current request has no authenticated caller
     */
    public String principal() {
        return current().principal();
    }

    /**
     * @return the caller of the current request
     * @throws IllegalStateException when authentication is on and the current request has no authenticated caller
     */
    public Caller current() {
        if (!auth.enabled()) {
            return Caller.NO_AUTH;
        }
        RoutingContext request = currentRequest.getCurrent();
        Caller caller = request == null ? null : request.get(Caller.KEY);
        if (caller == null) {
            // The access filter authenticates every non-public request; reaching here without a caller is a bug.
            throw new IllegalStateException("No authenticated caller for this request");
        }
        return caller;
    }
}
