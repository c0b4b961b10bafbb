package dev.agentbox.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.agentbox.McpSession;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;

/**
 * Checks from inside a sandbox that every protection the design promises holds, and that {@code sandbox_info} reports
 * it.
 */
@QuarkusTest
class IsolationTest {

    @Test
    void commandsRunAsAnUnprivilegedUserOfTheirOwn() {
        try (McpSession first = McpSession.open("isolation-user-1");
                McpSession second = McpSession.open("isolation-user-2")) {
            String status = first.sh("id -un; grep -E '^(Uid|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' "
                    + "/proc/self/status | tr -s '\\t' ' '");

            assertThat(status).startsWith("agent\n").contains("CapEff: 0000000000000000")
                    .contains("CapBnd: 0000000000000000").contains("CapAmb: 0000000000000000")
                    .contains("NoNewPrivs: 1").contains("Seccomp: 2").doesNotContain("Uid: 0");
            assertThat(first.sh("id -u")).isNotEqualTo(second.sh("id -u"));
            assertThat(first.sh("id -u").trim()).isNotEqualTo("0");
        }
    }

    @Test
    void theSeccompFilterBlocksKernelInterfacesSandboxesDoNotNeed() {
        try (McpSession mcp = McpSession.open("isolation-seccomp")) {
            String out = mcp.bash("unshare -U true 2>&1; unshare -n true 2>&1; strace -f true 2>&1 | head -1;"
                    + " python3 -c 'import threading; t = threading.Thread(target=print, args=(\"thread ok\",));"
                    + " t.start(); t.join()'").getString("stdout");

            assertThat(out).contains("unshare failed: Operation not permitted").contains("thread ok");
            assertThat(out).containsPattern("PTRACE_TRACEME: Operation not permitted|ptrace.*Operation not permitted");
        }
    }

    @Test
    void theSystemIsReadOnlyAndTmpIsPrivate() {
        try (McpSession first = McpSession.open("isolation-fs-1");
                McpSession second = McpSession.open("isolation-fs-2")) {
            String out = first.bash("touch /usr/x /etc/x /x 2>&1; echo mine > /tmp/private; cat /tmp/private")
                    .getString("stdout");

            assertThat(out).contains("touch: cannot touch '/usr/x': Read-only file system")
                    .contains("touch: cannot touch '/etc/x': Read-only file system").endsWith("mine\n");
            assertThat(second.bash("cat /tmp/private 2>&1").getString("stdout")).contains("No such file");
        }
    }

    @Test
    void thereIsNoNetworkButLoopback() {
        try (McpSession mcp = McpSession.open("isolation-net")) {
            String out = mcp.sh("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; "
                    + "(exec 3<>/dev/tcp/127.0.0.1/8080) 2>&1 | head -1; hostname; true");

            assertThat(out).startsWith("lo\n").contains("Connection refused").endsWith("agentbox\n");
        }
    }

    @Test
    void processesOfTheHostAndOtherSandboxesAreInvisible() {
        try (McpSession mcp = McpSession.open("isolation-pids")) {
            String out = mcp.sh("ps -eo pid,user,comm --no-headers | wc -l; ps -eo comm --no-headers | sort -u");

            assertThat(out).doesNotContain("java").doesNotContain("systemd").doesNotContain("process_api");
            assertThat(Integer.parseInt(out.lines().findFirst().orElseThrow().trim())).isLessThan(8);
        }
    }

    @Test
    void sandboxInfoReportsTheIsolationAchieved() {
        try (McpSession mcp = McpSession.open("isolation-info")) {
            JsonObject info = McpSession.structured(mcp.call("sandbox_info", Map.of()));

            assertThat(info.getString("backend")).isEqualTo("local");
            assertThat(info.getString("conversation")).isEqualTo(McpSession.key("isolation-info"));
            assertThat(info.getString("principal")).isEqualTo("anonymous");
            assertThat(info.getString("egress")).isEqualTo("none");
            JsonObject isolation = info.getJsonObject("isolation");
            assertThat(isolation.getString("level")).isEqualTo("FULL");
            assertThat(isolation.getJsonArray("namespaces")).containsExactly("pid", "mount", "ipc", "uts", "cgroup",
                    "net");
            assertThat(isolation.getBoolean("seccomp")).isTrue();
            assertThat(isolation.getBoolean("own_uid")).isTrue();
            assertThat(isolation.getJsonArray("limits")).containsExactly("memory", "pids", "cpu");
            assertThat(isolation.getJsonArray("missing")).isEmpty();
            assertThat(McpSession.text(mcp.call("sandbox_info", Map.of()))).contains("Isolation: FULL");
        }
    }
}
