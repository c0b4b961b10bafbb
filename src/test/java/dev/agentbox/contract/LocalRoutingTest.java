package dev.agentbox.contract;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import dev.agentbox.HostInspection;
import io.quarkus.test.junit.QuarkusTest;

/**
 * {@link RoutingContract} on the local backend, where each sandbox has a memory cgroup named after its conversation.
 */
@QuarkusTest
class LocalRoutingTest extends RoutingContract {

    @Override
    protected List<String> sandboxesMadeFor(String conversationId) throws Exception {
        try (var dirs = Files.list(Path.of("/sys/fs/cgroup/memory", HostInspection.CGROUP_PARENT))) {
            return dirs.map(p -> p.getFileName().toString()).filter(d -> d.startsWith(conversationId.substring(0, 12)))
                    .toList();
        }
    }
}
