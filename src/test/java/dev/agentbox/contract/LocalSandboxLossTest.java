package dev.agentbox.contract;

import java.nio.file.Files;
import java.nio.file.Path;

import dev.agentbox.HostInspection;
import io.quarkus.test.junit.QuarkusTest;

/**
 * {@link SandboxLossContract} on the local backend: the sandbox's bubblewrap processes (found in
 * its cgroup) are killed.
 */
@QuarkusTest
class LocalSandboxLossTest extends SandboxLossContract {

    @Override
    protected void killSandbox(String sandboxId) throws Exception {
        Path procs = HostInspection.CGROUPS.resolve("pids").resolve(HostInspection.CGROUP_PARENT).resolve(sandboxId)
                .resolve("cgroup.procs");
        // Both bubblewrap processes: the one outside and the sandbox's pid 1, whose death ends the pid namespace.
        Files.readAllLines(procs).stream().map(Long::valueOf)
                .filter(pid -> HostInspection.commandLine(pid).startsWith("bwrap"))
                .forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    }
}
