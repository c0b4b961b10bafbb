package dev.agentbox.contract;

import io.quarkus.test.junit.QuarkusTest;

/**
 * {@link BashContract} on the local backend.
 */
@QuarkusTest
class LocalBashTest extends BashContract {
}
