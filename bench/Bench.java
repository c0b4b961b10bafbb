import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * agentbox benchmark: measures, in one run on one machine, a plain bash spawn from Java, sandbox creation and the MCP
 * round trip of a bash call, and writes a Markdown report plus CSV of every sample.
 *
 * Run it with bench/run, which builds and starts the server. Direct use:
 * java bench/Bench.java http://127.0.0.1:PORT/mcp SERVER_LOG OUTPUT_DIR
 */
public class Bench {

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final Pattern SESSION = Pattern.compile("(?i)mcp-session-id");
    static final Pattern CREATED = Pattern.compile("Sandbox created \\[conversation: [0-9a-f]+, sandbox: [^,]+, took: (\\d+) ms]");
    static final String RUN = Long.toString(System.currentTimeMillis(), 36);
    /** An API key sent as a Bearer token with every request, when the server runs with authentication on. */
    static final String API_KEY = System.getProperty("bench.api-key", "");

    public static void main(String[] args) throws Exception {
        URI mcp = URI.create(args[0]);
        Path serverLog = Path.of(args[1]);
        Path out = Path.of(args[2]);
        int warm = Integer.getInteger("bench.calls", 300);
        int fresh = Integer.getInteger("bench.sandboxes", 40);
        Files.createDirectories(out);

        Map<String, double[]> series = new LinkedHashMap<>();

        series.put("plain bash -c 'echo hi' spawned from Java", plainSpawn(warm));

        McpClient client = new McpClient(mcp, "bench-warm-" + RUN);
        for (int i = 0; i < 20; i++) {
            client.bash("echo hi");
        }
        double[] roundTrips = new double[warm];
        for (int i = 0; i < warm; i++) {
            long t = System.nanoTime();
            client.bash("echo hi");
            roundTrips[i] = millis(t);
        }
        series.put("MCP bash 'echo hi' round trip (warm sandbox)", roundTrips);

        double[] protocol = new double[warm];
        for (int i = 0; i < warm; i++) {
            long t = System.nanoTime();
            client.call("sandbox_info", "{}");
            protocol[i] = millis(t);
        }
        series.put("MCP sandbox_info round trip (protocol and service, no process)", protocol);

        int logMark = Files.readAllLines(serverLog).size();
        double[] firstCalls = new double[fresh];
        for (int i = 0; i < fresh; i++) {
            McpClient newConversation = new McpClient(mcp, "bench-new-" + RUN + "-" + i);
            long t = System.nanoTime();
            newConversation.bash("echo hi");
            firstCalls[i] = millis(t);
        }
        series.put("MCP first call of a new conversation (sandbox creation included)", firstCalls);
        List<String> logLines = Files.readAllLines(serverLog);
        double[] creations = logLines.subList(logMark, logLines.size()).stream().map(CREATED::matcher)
                .filter(Matcher::find).mapToDouble(m -> Double.parseDouble(m.group(1))).toArray();
        series.put("sandbox creation, server-side (cgroups + namespaces + init ready)", creations);

        report(series, out);
    }

    static double[] plainSpawn(int n) throws Exception {
        double[] samples = new double[n];
        for (int i = -20; i < n; i++) {
            long t = System.nanoTime();
            Process p = new ProcessBuilder("bash", "-c", "echo hi").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            p.waitFor();
            if (i >= 0) {
                samples[i] = millis(t);
            }
        }
        return samples;
    }

    static double millis(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e6;
    }

    static double percentile(double[] samples, double p) {
        double[] sorted = samples.clone();
        Arrays.sort(sorted);
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    static void report(Map<String, double[]> series, Path out) throws IOException {
        StringBuilder md = new StringBuilder();
        md.append("# agentbox benchmark\n\n");
        md.append("- date: ").append(ZonedDateTime.now()).append('\n');
        md.append("- machine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores, ")
                .append(firstLine("/proc/meminfo")).append(", kernel ").append(firstLine("/proc/sys/kernel/osrelease"))
                .append('\n');
        md.append("- java: ").append(System.getProperty("java.version")).append('\n');
        md.append("- server: ").append(System.getProperty("bench.label", "default configuration")).append("\n\n");
        md.append("| measurement | n | p50 ms | p90 ms | p99 ms | min ms | max ms |\n|---|---|---|---|---|---|---|\n");
        StringBuilder csv = new StringBuilder("measurement,sample,millis\n");
        for (Map.Entry<String, double[]> e : series.entrySet()) {
            double[] s = e.getValue();
            if (s.length == 0) {
                md.append("| ").append(e.getKey()).append(" | 0 | | | | | |\n");
                continue;
            }
            md.append(String.format("| %s | %d | %.2f | %.2f | %.2f | %.2f | %.2f |%n", e.getKey(), s.length,
                    percentile(s, 50), percentile(s, 90), percentile(s, 99), Arrays.stream(s).min().orElse(0),
                    Arrays.stream(s).max().orElse(0)));
            for (int i = 0; i < s.length; i++) {
                csv.append('"').append(e.getKey()).append("\",").append(i).append(',')
                        .append(String.format("%.3f", s[i])).append('\n');
            }
        }
        List<double[]> values = new ArrayList<>(series.values());
        double ratio = percentile(values.get(1), 50) / percentile(values.get(0), 50);
        double creation = values.get(4).length == 0 ? Double.NaN : percentile(values.get(4), 50);
        md.append(String.format("%nTargets: MCP bash round trip p50 / plain spawn p50 = **%.2f×** (target ≤ 3×, %s); "
                + "sandbox creation p50 = **%.1f ms** (target ≤ 60 ms, %s).%n", ratio, ratio <= 3 ? "met" : "NOT met",
                creation, creation <= 60 ? "met" : "NOT met"));
        Files.writeString(out.resolve("report.md"), md);
        Files.writeString(out.resolve("samples.csv"), csv);
        System.out.print(md);
    }

    static String firstLine(String file) {
        try {
            return Files.readAllLines(Path.of(file)).get(0).replaceAll("\\s+", " ");
        } catch (IOException e) {
            return "?";
        }
    }

    /** A minimal MCP Streamable HTTP client: initialize once, then tools/call with the conversation header. */
    static final class McpClient {
        private final URI endpoint;
        private final String conversation;
        private final String session;
        private int id;

        McpClient(URI endpoint, String conversation) throws Exception {
            this.endpoint = endpoint;
            this.conversation = conversation;
            HttpResponse<String> init = post(null, "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":"
                    + "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"bench\","
                    + "\"version\":\"1\"}}}");
            this.session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
            post(session, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        }

        void bash(String command) throws Exception {
            call("bash", "{\"command\":\"" + command + "\"}");
        }

        void call(String tool, String arguments) throws Exception {
            String body = post(session, "{\"jsonrpc\":\"2.0\",\"id\":" + (++id) + ",\"method\":\"tools/call\","
                    + "\"params\":{\"name\":\"" + tool + "\",\"arguments\":" + arguments + "}}").body();
            if (!body.contains("\"isError\":false")) {
                throw new IllegalStateException(tool + " failed: " + body);
            }
        }

        private HttpResponse<String> post(String session, String json) throws Exception {
            HttpRequest.Builder request = HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json")
                    .header("Accept", "application/json, text/event-stream")
                    .header("Agentbox-Conversation", conversation)
                    .POST(HttpRequest.BodyPublishers.ofString(json));
            if (session != null) {
                request.header("Mcp-Session-Id", session).header("MCP-Protocol-Version", "2025-11-25");
            }
            if (!API_KEY.isEmpty()) {
                request.header("Authorization", "Bearer " + API_KEY);
            }
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }
    }
}
