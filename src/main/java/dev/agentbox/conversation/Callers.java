package dev.agentbox.conversation;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Tells who is calling. Until authentication is configured every caller is {@value #ANONYMOUS}, so all
 * conversations belong to one principal.
 */
@ApplicationScoped
public class Callers {

    /** The principal of every call while authentication is off. */
    public static final String ANONYMOUS = "anonymous";

    /**
     * @return the principal of the current call
     */
    public String principal() {
        return ANONYMOUS;
    }
}
