package dev.agentbox.contract;

import io.quarkus.test.junit.QuarkusTest;

/**
 * {@link FilesContract} on the local backend.
 */
@QuarkusTest
class LocalFilesTest extends FilesContract {
}
