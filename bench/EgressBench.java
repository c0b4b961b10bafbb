import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Egress proxy benchmark: the same curl, run the same way, once from the host straight to a test host and once from
 * a sandbox through the egress proxy (plain HTTP and a CONNECT tunnel). Latency: a new connection and a 2-byte GET
 * per request, curl's own time_total (process start excluded). Throughput: one download of BENCH_MIB MiB.
 *
 * Run it with bench/egress, which makes the test host and starts the server. Direct use:
 * java bench/EgressBench.java http://127.0.0.1:PORT TEST_HOST_ADDRESS TEST_HOST_NAME OUTPUT_DIR
 */
public class EgressBench {

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public static void main(String[] args) throws Exception {
        String server = args[0];
        String address = args[1];
        String name = args[2];
        Path out = Path.of(args[3]);
        int requests = Integer.getInteger("bench.requests", 300);
        int mib = Integer.getInteger("bench.mib", 256);
        Files.createDirectories(out);
        String conversation = "egress-bench-" + Long.toString(System.currentTimeMillis(), 36);

        String latencyLoop = "for i in $(seq 1 " + requests + "); do curl -s -o /dev/null -w '%{time_total}\\n' OPTS"
                + " http://HOST:8080/small; done";
        String download = "for i in 1 2 3; do curl -s -o /dev/null -w '%{speed_download}\\n' OPTS http://HOST:8080/bytes/"
                + ((long) mib << 20) + "; done";

        sandbox(server, conversation, "curl -s -o /dev/null http://" + name + ":8080/warm");
        Map<String, double[]> latency = new LinkedHashMap<>();
        latency.put("direct (host to test host)", seconds(local(fill(latencyLoop, "--noproxy '*'", address))));
        latency.put("through the proxy, plain HTTP (sandbox)", seconds(sandbox(server, conversation,
                fill(latencyLoop, "", name))));
        latency.put("through the proxy, CONNECT tunnel (sandbox)", seconds(sandbox(server, conversation,
                fill(latencyLoop, "--proxytunnel", name))));
        Map<String, double[]> throughput = new LinkedHashMap<>();
        throughput.put("direct (host to test host)", mibs(local(fill(download, "--noproxy '*'", address))));
        throughput.put("through the proxy, plain HTTP (sandbox)", mibs(sandbox(server, conversation,
                fill(download, "", name))));
        throughput.put("through the proxy, CONNECT tunnel (sandbox)", mibs(sandbox(server, conversation,
                fill(download, "--proxytunnel", name))));

        report(latency, throughput, requests, mib, out);
    }

    static String fill(String template, String options, String host) {
        return template.replace("OPTS", options).replace("HOST", host);
    }

    static String local(String script) throws Exception {
        Process process = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor();
        return output;
    }

    /** Runs a command in the benchmark's sandbox over REST (the profile header gives it egress) and returns stdout. */
    static String sandbox(String server, String conversation, String command) throws Exception {
        String body = "{\"command\":\"" + command.replace("\\", "\\\\").replace("\"", "\\\"") + "\",\"timeout_seconds\":600}";
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(server + "/api/tools/bash"))
                .header("Agentbox-Conversation", conversation).header("Agentbox-Egress-Profile", "bench")
                .header("Content-Type", "application/json").timeout(Duration.ofMinutes(10))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        int start = response.body().indexOf("\"stdout\":\"");
        if (response.statusCode() != 200 || start < 0) {
            throw new IllegalStateException("bash failed: " + response.body());
        }
        StringBuilder text = new StringBuilder();
        for (int i = start + 10; response.body().charAt(i) != '"'; i++) {
            char c = response.body().charAt(i);
            if (c == '\\') {
                c = response.body().charAt(++i) == 'n' ? '\n' : response.body().charAt(i);
            }
            text.append(c);
        }
        if (response.body().contains("\"status\":\"running\"")) {
            throw new IllegalStateException("the command outlived the foreground wait; lower BENCH_REQUESTS");
        }
        return text.toString();
    }

    static double[] seconds(String lines) {
        return lines.lines().filter(l -> !l.isBlank()).mapToDouble(l -> Double.parseDouble(l.trim()) * 1000)
                .toArray();
    }

    static double[] mibs(String lines) {
        return lines.lines().filter(l -> !l.isBlank()).mapToDouble(l -> Double.parseDouble(l.trim()) / (1 << 20))
                .toArray();
    }

    static double percentile(double[] samples, double p) {
        double[] sorted = samples.clone();
        Arrays.sort(sorted);
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    static void report(Map<String, double[]> latency, Map<String, double[]> throughput, int requests, int mib,
            Path out) throws Exception {
        StringBuilder md = new StringBuilder("# agentbox egress proxy benchmark\n\n");
        md.append("- date: ").append(ZonedDateTime.now()).append('\n');
        md.append("- machine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores, kernel ")
                .append(Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim()).append('\n');
        md.append("- load average at the end: ").append(Files.readString(Path.of("/proc/loadavg")).trim()).append('\n');
        md.append("- client: curl, the same command on both paths; the sandbox is limited to 1 CPU\n\n");
        md.append("Latency of one request on a new connection (").append(requests).append(" each, curl time_total):\n\n");
        md.append("| path | n | p50 ms | p90 ms | p99 ms | added p50 ms |\n|---|---|---|---|---|---|\n");
        StringBuilder csv = new StringBuilder("measurement,path,sample,value\n");
        double base = percentile(latency.values().iterator().next(), 50);
        for (Map.Entry<String, double[]> e : latency.entrySet()) {
            double[] s = e.getValue();
            md.append(String.format("| %s | %d | %.3f | %.3f | %.3f | %+.3f |%n", e.getKey(), s.length,
                    percentile(s, 50), percentile(s, 90), percentile(s, 99), percentile(s, 50) - base));
            for (int i = 0; i < s.length; i++) {
                csv.append(String.format("latency_ms,\"%s\",%d,%.3f%n", e.getKey(), i, s[i]));
            }
        }
        md.append("\nThroughput of one ").append(mib).append(" MiB download (3 each, median):\n\n");
        md.append("| path | MiB/s | of direct |\n|---|---|---|\n");
        double direct = percentile(throughput.values().iterator().next(), 50);
        for (Map.Entry<String, double[]> e : throughput.entrySet()) {
            double median = percentile(e.getValue(), 50);
            md.append(String.format("| %s | %.0f | %.0f %% |%n", e.getKey(), median, 100 * median / direct));
            for (int i = 0; i < e.getValue().length; i++) {
                csv.append(String.format("throughput_mib_s,\"%s\",%d,%.1f%n", e.getKey(), i, e.getValue()[i]));
            }
        }
        Files.writeString(out.resolve("report.md"), md);
        Files.writeString(out.resolve("samples.csv"), csv);
        System.out.print(md);
    }
}
