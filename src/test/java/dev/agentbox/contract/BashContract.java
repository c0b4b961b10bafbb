package dev.agentbox.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.agentbox.McpSession;
import io.quarkiverse.mcp.server.ToolResponse;
import io.vertx.core.json.JsonObject;

/**
 * The {@code bash} tool as an agent sees it, on every backend: output, exit codes, state carried between calls,
 * background processes, timeouts, bounds.
 */
abstract class BashContract {

    @Test
    void echoReturnsStdoutAndExitCodeZero() {
        try (McpSession mcp = McpSession.open("bash-echo")) {
            ToolResponse response = mcp.call("bash", Map.of("command", "echo hi"));

            assertThat(response.isError()).isFalse();
            JsonObject result = McpSession.structured(response);
            assertThat(result.getInteger("exit_code")).isZero();
            assertThat(result.getString("stdout")).isEqualTo("hi\n");
            assertThat(McpSession.text(response)).contains("exit code 0").contains("hi");
        }
    }

    @Test
    void nonZeroExitCodeIsANormalResultWithStderr() {
        try (McpSession mcp = McpSession.open("bash-exit")) {
            ToolResponse response = mcp.call("bash", Map.of("command", "echo out; echo oops >&2; exit 3"));

            assertThat(response.isError()).isFalse();
            JsonObject result = McpSession.structured(response);
            assertThat(result.getInteger("exit_code")).isEqualTo(3);
            assertThat(result.getString("stdout")).isEqualTo("out\n");
            assertThat(result.getString("stderr")).isEqualTo("oops\n");
            assertThat(McpSession.text(response)).contains("exit code 3").contains("--- stderr ---\noops");
        }
    }

    @Test
    void workingDirectoryAndExportsCarryOverBetweenCalls() {
        try (McpSession mcp = McpSession.open("bash-state")) {
            mcp.sh("mkdir -p sub/dir && cd sub/dir && export GREETING='hello world' && NOT_EXPORTED=1");

            assertThat(mcp.sh("pwd")).isEqualTo("/workspace/sub/dir\n");
            assertThat(mcp.sh("echo \"$GREETING|${NOT_EXPORTED:-unset}\"")).isEqualTo("hello world|unset\n");
        }
    }

    @Test
    void stateIsSavedEvenWhenTheCommandExitsEarly() {
        try (McpSession mcp = McpSession.open("bash-exit-state")) {
            mcp.bash("cd /tmp; export AFTER_EXIT=yes; exit 7");

            assertThat(mcp.sh("pwd; echo $AFTER_EXIT")).isEqualTo("/tmp\nyes\n");
        }
    }

    @Test
    void stdinIsClosed() {
        try (McpSession mcp = McpSession.open("bash-stdin")) {
            JsonObject result = mcp.bash("cat; read line; echo read-exit=$?");

            assertThat(result.getString("stdout")).isEqualTo("read-exit=1\n");
        }
    }

    @Test
    void backgroundProcessesSurviveTheCall() {
        try (McpSession mcp = McpSession.open("bash-background")) {
            long started = System.nanoTime();
            mcp.sh("sleep 30 & echo $! > /tmp/sleeper.pid");
            long tookMillis = (System.nanoTime() - started) / 1_000_000;

            assertThat(tookMillis).as("the call must not wait for a background child").isLessThan(10_000);
            assertThat(mcp.sh("kill -0 $(cat /tmp/sleeper.pid) && echo alive")).isEqualTo("alive\n");
            mcp.sh("kill $(cat /tmp/sleeper.pid)");
        }
    }

    @Test
    void bytesThatAreNotUtf8DoNotBreakTheResult() {
        try (McpSession mcp = McpSession.open("bash-binary")) {
            JsonObject result = mcp.bash("printf 'ok \\377\\376 end\\n'; printf '\\000nul\\n'");

            assertThat(result.getInteger("exit_code")).isZero();
            assertThat(result.getString("stdout")).startsWith("ok \uFFFD\uFFFD end\n").contains("nul");
        }
    }

    @Test
    void longOutputKeepsHeadAndTailWithANote() {
        try (McpSession mcp = McpSession.open("bash-long")) {
            ToolResponse response = mcp.call("bash", Map.of("command", "seq 1 200000"));

            JsonObject result = McpSession.structured(response);
            String stdout = result.getString("stdout");
            assertThat(result.getBoolean("output_truncated")).isTrue();
            assertThat(result.getLong("stdout_bytes")).isEqualTo(1_288_895L);
            assertThat(stdout).startsWith("1\n2\n3\n").endsWith("199999\n200000\n").contains("stdout cut here");
            assertThat(stdout.length()).isLessThan(31_000);
            assertThat(McpSession.text(response)).contains("OUTPUT_TRUNCATED");
        }
    }

    @Test
    void timeoutKillsTheWholeProcessTree() {
        try (McpSession mcp = McpSession.open("bash-timeout")) {
            String command = """
                    setsid sleep 300 &
                    nohup sleep 301 >/dev/null 2>&1 &
                    bash -c 'trap "" TERM; sleep 302' &
                    echo started
                    sleep 303
                    """;
            ToolResponse response = mcp.call("bash", Map.of("command", command, "timeout_seconds", 2));

            assertThat(response.isError()).isTrue();
            JsonObject error = McpSession.structured(response);
            assertThat(error.getString("reason")).isEqualTo("TIMEOUT");
            assertThat(error.getString("message")).contains("2 s");
            assertThat(error.getJsonObject("details").getString("stdout")).isEqualTo("started\n");
            assertThat(mcp.sh("ps -eo args | grep -c '^sleep 30[0-3]' || true")).isEqualTo("0\n");
        }
    }

    @Test
    void commandsOverTheSizeLimitAreRefused() {
        try (McpSession mcp = McpSession.open("bash-large")) {
            ToolResponse response = mcp.call("bash", Map.of("command", "#" + "x".repeat(100_000)));

            assertThat(response.isError()).isTrue();
            assertThat(McpSession.structured(response).getString("reason")).isEqualTo("INPUT_TOO_LARGE");
            assertThat(McpSession.text(response)).contains("100001 characters").contains("100000");
        }
    }

    @Test
    void aTimeoutOutOfRangeIsRefused() {
        try (McpSession mcp = McpSession.open("bash-bad-timeout")) {
            ToolResponse response = mcp.call("bash", Map.of("command", "true", "timeout_seconds", 0));

            assertThat(response.isError()).isTrue();
            assertThat(McpSession.structured(response).getString("reason")).isEqualTo("INVALID_ARGUMENT");
            assertThat(McpSession.text(response)).contains("timeout_seconds").contains("not 0");
        }
    }

    @Test
    void argumentsOfTheWrongTypeAreRefused() {
        try (McpSession mcp = McpSession.open("bash-bad-type")) {
            ToolResponse response = mcp.call("bash", Map.of("command", 42));

            assertThat(response.isError()).isTrue();
            assertThat(McpSession.text(response)).contains("'command' must be a string, not the number 42");
        }
    }
}
