package dev.agentbox.contract;

import io.quarkus.test.junit.QuarkusTest;

/**
 * {@link JobRestContract} on the local backend.
 */
@QuarkusTest
class LocalJobRestTest extends JobRestContract {
}
