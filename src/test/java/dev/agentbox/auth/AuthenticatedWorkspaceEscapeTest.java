package dev.agentbox.auth;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import dev.agentbox.McpSession;
import dev.agentbox.security.WorkspaceEscapeTest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Every escape of {@link WorkspaceEscapeTest} again, with authentication on and an authenticated principal: the
 * checks hold the same way for an authenticated caller.
 */
@QuarkusTest
@TestProfile(AuthProfile.class)
class AuthenticatedWorkspaceEscapeTest extends WorkspaceEscapeTest {

    @BeforeAll
    static void authenticate() {
        McpSession.authorization = AuthProfile.bearer(AuthProfile.CARL);
    }

    @AfterAll
    static void forget() {
        McpSession.authorization = null;
    }
}
