package dev.agentbox.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import dev.agentbox.checkpoint.Workspaces;

/**
 * Checkpoints against the packaged server as a process: they survive a crash of the server (and so do forks and
 * their restrictions), and a store that is full or read-only is a clear error that leaves nothing half-written. The
 * full and read-only stores are small tmpfs mounts in a mount namespace of the server's own.
 */
class CheckpointPersistenceIT {

    private static final String RUN = Long.toString(System.currentTimeMillis(), 36);
    private static final String CGROUP_PARENT = "agentbox-it-" + System.getProperty("agentbox.test.id", "test");

    @Test
    void aCheckpointAndAForkSurviveACrashOfTheServer() throws Exception {
        Path state = Files.createTempDirectory("agentbox-cp-restart-").resolve("state");
        String yesterday = "yesterday-" + RUN;
        try (ServerProcess server = new ServerProcess(state, CGROUP_PARENT)) {
            server.start();
            sh(server, yesterday, Workspaces.MIXED);
            String before = sh(server, yesterday, Workspaces.MANIFEST);
            assertThat(server.tool(yesterday, "persist", Map.of("name", "work")).status()).isEqualTo(200);
            ServerProcess.Response forked = server.tool(yesterday, "fork", Map.of("memory_mib", 300));
            assertThat(forked.status()).as(forked.body().encode()).isEqualTo(200);
            String child = forked.body().getString("conversation");
            sh(server, child, "echo from-child > child.txt");
            assertThat(server.tool(child, "persist", Map.of("name", "child-work")).status()).isEqualTo(200);

            server.crash();
            server.start();

            String today = "today-" + RUN;
            ServerProcess.Response restored = server.tool(today, "restore", Map.of("checkpoint", "work"));
            assertThat(restored.status()).as(restored.body().encode()).isEqualTo(200);
            assertThat(sh(server, today, Workspaces.MANIFEST)).isEqualTo(before);
            assertThat(server.tool(child, "restore", Map.of("checkpoint", "work")).body().getString("reason"))
                    .isEqualTo("NOT_FOUND");
            assertThat(server.tool(child, "sandbox_info", Map.of()).body().getLong("memory_bytes"))
                    .isEqualTo(300L << 20);
            assertThat(server.tool(today, "restore", Map.of("checkpoint", "child-work")).status()).isEqualTo(200);
            assertThat(sh(server, today, "cat child.txt")).isEqualTo("from-child\n");
        } finally {
            cleanUp(state);
        }
    }

    @Test
    void aFullStoreIsAClearErrorAndKeepsNothingHalfWritten() throws Exception {
        Path state = Files.createTempDirectory("agentbox-cp-full-").resolve("state");
        Path store = Files.createDirectories(state.resolveSibling("store"));
        try (ServerProcess server = storeOnTmpfs(state, store, "1m")) {
            server.start();
            String key = "full-" + RUN;
            sh(server, key, "head -c 3000000 /dev/urandom > big.bin");

            ServerProcess.Response refused = server.tool(key, "persist", Map.of("name", "too-much"));

            assertThat(refused.body().getString("reason")).as(refused.body().encode()).isEqualTo("DISK_FULL");
            assertThat(refused.body().getString("message")).contains("checkpoint store has no space left");
            assertThat(filesIn(server, store)).noneMatch(p -> p.contains("too-much") || p.contains(".draft-"));
            sh(server, key, "rm big.bin; echo small > small.txt");
            assertThat(server.tool(key, "persist", Map.of("name", "fits")).status()).isEqualTo(200);
        } finally {
            cleanUp(state);
        }
    }

    @Test
    void aReadOnlyStoreRefusesNewCheckpointsAndStillRestoresOldOnes() throws Exception {
        Path state = Files.createTempDirectory("agentbox-cp-ro-").resolve("state");
        Path store = Files.createDirectories(state.resolveSibling("store"));
        try (ServerProcess server = storeOnTmpfs(state, store, "16m")) {
            server.start();
            String key = "ro-" + RUN;
            sh(server, key, "echo v1 > f");
            assertThat(server.tool(key, "persist", Map.of("name", "before")).status()).isEqualTo(200);
            Process remount = new ProcessBuilder("nsenter", "-t", Long.toString(server.pid()), "-m", "--", "mount",
                    "-o", "remount,ro", store.toString()).redirectErrorStream(true).start();
            assertThat(remount.waitFor()).as(new String(remount.getInputStream().readAllBytes())).isZero();
            sh(server, key, "echo v2 > f");

            ServerProcess.Response refused = server.tool(key, "persist", Map.of("name", "after"));
            ServerProcess.Response restored = server.tool(key, "restore", Map.of("checkpoint", "before"));

            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.body().getString("reason")).isEqualTo("STORE_UNAVAILABLE");
            assertThat(refused.body().getString("message")).contains("cannot be written");
            assertThat(restored.status()).as(restored.body().encode()).isEqualTo(200);
            assertThat(sh(server, key, "cat f")).isEqualTo("v1\n");
        } finally {
            cleanUp(state);
        }
    }

    /** A server whose checkpoint store is a tmpfs of the given size, mounted in a mount namespace of its own. */
    private static ServerProcess storeOnTmpfs(Path state, Path store, String size) throws IOException {
        return new ServerProcess(state, CGROUP_PARENT, "-Dagentbox.checkpoint.local.dir=" + store)
                .launchedWith("unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
                        "mount -t tmpfs -o size=" + size + ",mode=0700 agentbox-it-store \"$0\" && exec \"$@\"",
                        store.toString());
    }

    /** What the server sees under a path of its mount namespace. */
    private static List<String> filesIn(ServerProcess server, Path dir) throws IOException {
        Path seen = Path.of("/proc/" + server.pid() + "/root" + dir.toAbsolutePath());
        try (Stream<Path> files = Files.walk(seen)) {
            return files.map(p -> seen.relativize(p).toString()).toList();
        }
    }

    private static String sh(ServerProcess server, String conversation, String command) throws Exception {
        ServerProcess.Response response = server.tool(conversation, "bash", Map.of("command", command));
        assertThat(response.body().getInteger("exit_code")).as(response.body().encode()).isZero();
        return response.body().getString("stdout");
    }

    /** Stops what the servers left running, as a server that adopts no survivors does at start-up. */
    private static void cleanUp(Path state) throws Exception {
        try (ServerProcess cleanup = new ServerProcess(state, CGROUP_PARENT,
                "-Dagentbox.sandbox.adopt-survivors=false")) {
            cleanup.start();
        }
        ServerProcess.deleteRuntime(state);
        // Workspaces belong to the sandboxes' users: rm, as the test runs as root, takes them all.
        new ProcessBuilder("rm", "-rf", "--one-file-system", "--", state.getParent().toString()).start().waitFor();
    }
}
