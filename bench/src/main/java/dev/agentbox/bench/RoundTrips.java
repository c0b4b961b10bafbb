package dev.agentbox.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tool calls over MCP Streamable HTTP on a warm sandbox: bash, read_file, write_file, edit_file, sandbox_info; bash
 * also on the cold server.
 */
final class RoundTrips {

    /** Starts the name of a measurement of the cold server, which the targets (about the warm server) pass over. */
    static final String COLD = "cold server: ";
    private static final String FOUR_KB = "0123456789abcdef".repeat(255) + "line-to-edit\n" + "x".repeat(3);

    private RoundTrips() {
    }

    /**
     * @param warmUp how many {@code bash} calls warm the server up before the warm figures, and a tenth of that of each
     *        other tool: the server's JIT compiler is still busy after a few thousand calls, and a server that runs for
     *        days is judged by its steady state; the first calls are reported on their own as the cold figure
     */
    static List<Measurement> run(Target target, int calls, int warmUp) throws Exception {
        McpHttp mcp = target.session("bench-round-trips");
        mcp.call("write_file", Map.of("path", "four-kb.txt", "content", FOUR_KB));
        Map<String, Call> tools = new LinkedHashMap<>();
        Call bash = i -> mcp.call("bash", Map.of("command", "echo hi"));
        tools.put("agentbox `bash` of `echo hi`", bash);
        tools.put("agentbox `read_file` of a 4 KB file", i -> mcp.call("read_file", Map.of("path", "four-kb.txt")));
        tools.put("agentbox `write_file` of 4 KB",
                i -> mcp.call("write_file", Map.of("path", "written.txt", "content", FOUR_KB)));
        tools.put("agentbox `edit_file` of a 4 KB file", i -> mcp.call("edit_file", Map.of("path", "four-kb.txt",
                "old_string", i % 2 == 0 ? "line-to-edit" : "line-edited", "new_string", i % 2 == 0 ? "line-edited"
                        : "line-to-edit")));
        tools.put("agentbox `sandbox_info` (protocol and service, no process)",
                i -> mcp.call("sandbox_info", Map.of()));

        List<Measurement> results = new ArrayList<>();
        results.add(sample("Tool call round trip (MCP Streamable HTTP, cold)", COLD + "agentbox `bash` of `echo hi`",
                calls, bash, "the first calls after the server started, without warm-up"));
        for (Map.Entry<String, Call> tool : tools.entrySet()) {
            int times = tool.getValue() == bash ? warmUp : warmUp / 10;
            for (int i = 0; i < times; i++) {
                tool.getValue().run(i);
            }
        }
        for (Map.Entry<String, Call> tool : tools.entrySet()) {
            results.add(measure(tool.getKey(), calls, tool.getValue()));
        }
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
        return sample("Tool call round trip (MCP Streamable HTTP, warm)", name, calls, call, "");
    }

    private static Measurement sample(String section, String name, int calls, Call call, String note)
            throws Exception {
        double[] samples = new double[calls];
        for (int i = 0; i < calls; i++) {
            long started = System.nanoTime();
            call.run(i);
            samples[i] = Samples.since(started);
        }
        return new Measurement(section, name, new Samples(samples), note);
    }
}
