package dev.agentbox.contract;

import io.quarkus.test.junit.QuarkusTest;

/**
 * {@link LongRunningContract} on the local backend.
 */
@QuarkusTest
class LocalLongRunningTest extends LongRunningContract {
}
