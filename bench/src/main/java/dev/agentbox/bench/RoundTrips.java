package dev.agentbox.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Tool calls over MCP Streamable HTTP on a warm sandbox: bash, read_file, write_file, edit_file.
 */
final class RoundTrips {

    private static final String FOUR_KB = "0123456789abcdef".repeat(255) + "line-to-edit\n" + "x".repeat(3);

    private RoundTrips() {
    }

    static List<Measurement> run(Target target, int calls) throws Exception {
        McpHttp mcp = target.session("bench-round-trips");
        mcp.call("write_file", Map.of("path", "four-kb.txt", "content", FOUR_KB));
        List<Measurement> results = new ArrayList<>();
        results.add(measure("agentbox `bash` of `echo hi`", calls,
                i -> mcp.call("bash", Map.of("command", "echo hi"))));
        results.add(measure("agentbox `read_file` of a 4 KB file", calls,
                i -> mcp.call("read_file", Map.of("path", "four-kb.txt"))));
        results.add(measure("agentbox `write_file` of 4 KB", calls,
                i -> mcp.call("write_file", Map.of("path", "written.txt", "content", FOUR_KB))));
        results.add(measure("agentbox `edit_file` of a 4 KB file", calls,
                i -> mcp.call("edit_file", Map.of("path", "four-kb.txt", "old_string", i % 2 == 0 ? "line-to-edit"
                        : "line-edited", "new_string", i % 2 == 0 ? "line-edited" : "line-to-edit"))));
        results.add(measure("agentbox `sandbox_info` (protocol and service, no process)", calls,
                i -> mcp.call("sandbox_info", Map.of())));
        return results;
    }

    /** One call of the measured operation. */
    @FunctionalInterface
    interface Call {
        Object run(int i) throws Exception;
    }

    static Measurement measure(String name, int calls, Call call) throws Exception {
        for (int i = 0; i < 20; i++) {
            call.run(i);
        }
        double[] samples = new double[calls];
        for (int i = 0; i < calls; i++) {
            long started = System.nanoTime();
            call.run(i);
            samples[i] = Samples.since(started);
        }
        return new Measurement("Tool call round trip (MCP Streamable HTTP, warm)", name, new Samples(samples), "");
    }
}
