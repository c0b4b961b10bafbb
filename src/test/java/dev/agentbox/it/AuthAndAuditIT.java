package dev.agentbox.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.agentbox.auth.ApiKeys;
import io.vertx.core.json.JsonObject;

/**
 * The packaged server: authentication is on by itself as soon as the server listens beyond loopback (and a server
 * told to run without it says so at every start); audit events go to stdout as JSON lines; and after a SIGKILL under
 * load every call that was answered is in the audit log exactly once, also after a restart.
 */
class AuthAndAuditIT {

    private static final String TEST_ID = System.getProperty("agentbox.test.id", "test");
    private static final String KEY = "abk_it-key-" + Long.toString(System.nanoTime(), 36) + "-0123456789abcdef";

    @Test
    void listeningBeyondLoopbackTurnsAuthenticationOnAndOffIsLoud() throws Exception {
        Path state = Files.createTempDirectory("agentbox-auth-").resolve("state");
        try (ServerProcess server = new ServerProcess(state, "agentbox-it-" + TEST_ID,
                "-Dquarkus.http.host=0.0.0.0")) {
            server.start();
            assertThat(server.tool("k", "sandbox_info", Map.of()).status()).isEqualTo(401);
            assertThat(server.log()).contains("Authentication on [host: 0.0.0.0, mode: AUTO");
        }
        try (ServerProcess server = new ServerProcess(state, "agentbox-it-" + TEST_ID, "-Dquarkus.http.host=0.0.0.0",
                "-Dagentbox.auth.mode=OFF", "-Dagentbox.sandbox.keep-on-shutdown=false")) {
            server.start();
            assertThat(server.tool("k", "bash", Map.of("command", "true")).status()).isEqualTo(200);
            assertThat(server.log()).contains("Authentication is OFF while the server listens on 0.0.0.0");
            assertThat(server.log()).containsPattern("\\{\"time\":\"[^\"]+\",\"type\":\"tool_call\",\"principal\":"
                    + "\"anonymous\"");
        } finally {
            ServerProcess.deleteRuntime(state);
        }
    }

    @Test
    void everyAnsweredCallIsInTheAuditLogAfterASigkillUnderLoad() throws Exception {
        Path dir = Files.createTempDirectory("agentbox-crash-");
        Path state = dir.resolve("state");
        Path keys = dir.resolve("api-keys");
        Files.writeString(keys, "# test keys\n" + ApiKeys.sha256(KEY) + " crash-tester admin\n");
        String[] args = { "-Dagentbox.auth.mode=ON", "-Dagentbox.auth.api-keys-file=" + keys,
                "-Dagentbox.sandbox.keep-on-shutdown=false" };
        Map<String, Integer> answered = new ConcurrentHashMap<>();
        AtomicInteger unanswered = new AtomicInteger();
        try (ServerProcess server = new ServerProcess(state, "agentbox-it-" + TEST_ID, args)) {
            server.start();
            server.authenticateWith(KEY);
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService callers = Executors.newFixedThreadPool(6);
            for (int t = 0; t < 6; t++) {
                int caller = t;
                callers.submit(() -> {
                    for (int i = 0; !stop.get(); i++) {
                        String marker = "call-" + caller + "-" + i;
                        try {
                            ServerProcess.Response response = server.tool("load-" + caller, "bash",
                                    Map.of("command", "echo " + marker + "; sleep 0.0" + (i % 5)));
                            answered.put(marker, response.status());
                        } catch (Exception cut) {
                            unanswered.incrementAndGet();
                            return;
                        }
                    }
                });
            }
            Thread.sleep(4000);

            server.crash();
            stop.set(true);
            callers.shutdown();
            assertThat(callers.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
            assertThat(answered).isNotEmpty();

            server.start();
            String export = server.get("/api/audit/export?tool=bash&principal=crash-tester").body();
            Map<String, Integer> recorded = new HashMap<>();
            for (String line : export.lines().toList()) {
                String command = new JsonObject(line).getJsonObject("arguments").getString("command");
                String marker = command.substring(5, command.indexOf(';'));
                recorded.merge(marker, 1, Integer::sum);
            }
            List<String> missing = new ArrayList<>();
            for (String marker : answered.keySet()) {
                if (!recorded.containsKey(marker)) {
                    missing.add(marker);
                }
            }
            assertThat(missing).as("answered calls missing from the audit log").isEmpty();
            assertThat(recorded.values()).as("calls recorded more than once").allMatch(n -> n == 1);
            assertThat(Set.copyOf(answered.values())).containsOnly(200);
            assertThat(server.tool("load-0", "bash", Map.of("command", "echo alive")).body().getString("stdout"))
                    .isEqualTo("alive\n");
        } finally {
            try (ServerProcess cleanup = new ServerProcess(state, "agentbox-it-" + TEST_ID,
                    "-Dagentbox.sandbox.adopt-survivors=false")) {
                cleanup.start();
            }
            ServerProcess.deleteRuntime(state);
        }
    }
}
