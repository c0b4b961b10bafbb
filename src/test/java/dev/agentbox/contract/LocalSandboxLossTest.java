package dev.agentbox.contract;

import java.nio.file.Files;
import java.nio.file.Path;

import dev.agentbox.HostInspection;
import io.quarkus.test.junit.QuarkusTest;

/**
 * {@link SandboxLossContract} on the local backend: the sandbox's init (bubblewrap, found in its cgroup) is killed.
 */
@QuarkusTest
class LocalSandboxLossTest extends SandboxLossContract {

    @Override
    protected void killSandbox(String sandboxId) throws Exception {
        Path procs = HostInspection.CGROUPS.resolve("pids").resolve(HostInspection.CGROUP_PARENT).resolve(sandboxId)
                .resolve("cgroup.procs");
        long init = Files.readAllLines(procs).stream().map(Long::valueOf)
                .filter(pid -> HostInspection.commandLine(pid).startsWith("bwrap")).findFirst().orElseThrow();
        ProcessHandle.of(init).ifPresent(ProcessHandle::destroyForcibly);
    }
}
