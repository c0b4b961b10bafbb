package dev.agentbox.contract;

import io.quarkus.test.junit.QuarkusTest;

/**
 * {@link ToolRestContract} on the local backend.
 */
@QuarkusTest
class LocalToolRestTest extends ToolRestContract {
}
