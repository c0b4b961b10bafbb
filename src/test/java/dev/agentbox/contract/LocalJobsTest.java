package dev.agentbox.contract;

import java.nio.file.Files;
import java.nio.file.Path;

import dev.agentbox.HostInspection;
import io.quarkus.test.junit.QuarkusTest;

/**
 * {@link JobsContract} on the local backend, where a running job's record is on the runtime tmpfs and an ended one's
 * in the state directory.
 */
@QuarkusTest
class LocalJobsTest extends JobsContract {

    @Override
    protected Path recordFile(String conversationId, String jobId, String file) {
        Path running = Path.of(HostInspection.RUNTIME_DIR, "conversations", conversationId, "execs", jobId, file);
        Path archived = Path.of("target/agentbox-test-state/conversations", conversationId, "execs", jobId, file);
        return Files.exists(running) ? running : archived;
    }
}
