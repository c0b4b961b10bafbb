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
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * agentbox checkpoint benchmark: persist and restore throughput for a workspace of about 200 MB of mixed files, over
 * REST against a running server, next to plain GNU tar on the host over the same files as a baseline. Writes a
 * Markdown report and a CSV of every sample.
 *
 * Run it with bench/checkpoint-run, which builds and starts the server. Direct use:
 * java bench/CheckpointBench.java http://127.0.0.1:PORT STATE_DIR OUTPUT_DIR [SERVER_LOG]
 * (with the server's log at DEBUG for WorkspaceTransfers, the report splits a restore into its extract and sync phases)
 */
public class CheckpointBench {

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final String RUN = Long.toString(System.currentTimeMillis(), 36);
    static final Pattern STDOUT = Pattern.compile("\"stdout\":\"([^\"]*)\"");
    static final Pattern CONVERSATION_ID = Pattern.compile("\"conversation_id\":\"([0-9a-f]+)\"");
    static final Pattern SIZE = Pattern.compile("\"size_bytes\":(\\d+)");
    static final Pattern PHASES = Pattern.compile("Workspace restored \\[conversation: [0-9a-f]+, extract: (\\d+) ms, "
            + "sync: (\\d+) ms]");

    /**
     * About 200 MB: 20 incompressible files of 5 MB (100 MB), 3,000 text files of 20 KB in 30 directories (60 MB),
     * 10,000 files of 4 KB in 100 directories (40 MB), plus symlinks and empty directories.
     */
    static final String MAKE_WORKSPACE = """
            set -e
            python3 - <<'EOF'
            import os, random
            random.seed(42)
            os.makedirs('assets', exist_ok=True)
            for i in range(20):
                with open(f'assets/blob{i:02}.bin', 'wb') as f:
                    f.write(os.urandom(5 * 1024 * 1024))
            words = [''.join(random.choices('abcdefghijklmnopqrstuvwxyz', k=random.randint(2, 10))) for _ in range(5000)]
            for d in range(30):
                os.makedirs(f'src/pkg{d:02}', exist_ok=True)
                for i in range(100):
                    text = ' '.join(random.choices(words, k=3600))[:20 * 1024]
                    with open(f'src/pkg{d:02}/File{i:03}.java', 'w') as f:
                        f.write(text)
            for d in range(100):
                os.makedirs(f'node_modules/m{d:03}/lib', exist_ok=True)
                for i in range(100):
                    with open(f'node_modules/m{d:03}/lib/f{i:03}.js', 'wb') as f:
                        f.write(os.urandom(2048).hex().encode())
                os.symlink('lib/f000.js', f'node_modules/m{d:03}/index.js')
                os.makedirs(f'node_modules/m{d:03}/empty', exist_ok=True)
            EOF
            find . -type f | wc -l; du -sb . | cut -f1
            """;

    public static void main(String[] args) throws Exception {
        URI base = URI.create(args[0]);
        Path stateDir = Path.of(args[1]);
        Path out = Path.of(args[2]);
        int rounds = Integer.getInteger("bench.rounds", 5);
        Files.createDirectories(out);

        String key = "bench-checkpoint-" + RUN;
        String[] made = bash(base, key, MAKE_WORKSPACE).split("\\\\n");
        long files = Long.parseLong(made[0].trim());
        long bytes = Long.parseLong(made[1].trim());
        String id = match(CONVERSATION_ID, call(base, key, "POST", "/api/tools/sandbox_info", "{}"));
        Path workspace = stateDir.resolve("conversations").resolve(id).resolve("workspace");

        double[] persist = new double[rounds];
        double[] restore = new double[rounds];
        long archiveBytes = 0;
        for (int i = 0; i < rounds; i++) {
            String name = "bench-" + RUN + "-" + i;
            awaitNoTransfers(workspace.getParent());
            long t = System.nanoTime();
            String saved = call(base, key, "POST", "/api/checkpoints", "{\"name\":\"" + name + "\"}");
            persist[i] = seconds(t);
            archiveBytes = Long.parseLong(match(SIZE, saved));
            bash(base, key, "rm -rf src/pkg00 assets/blob00.bin; echo changed > new.txt");
            t = System.nanoTime();
            call(base, key, "POST", "/api/checkpoints/" + name + "/restore", "{}");
            restore[i] = seconds(t);
            call(base, key, "DELETE", "/api/checkpoints/" + name, null);
        }
        String check = bash(base, key, "test ! -e new.txt && test -e assets/blob00.bin && find . -type f | wc -l");
        if (Long.parseLong(check.replace("\\n", "").trim()) != files) {
            throw new IllegalStateException("The restored workspace does not have the " + files + " files it had");
        }

        awaitNoTransfers(workspace.getParent());
        double[] tarCreate = new double[rounds];
        double[] tarExtract = new double[rounds];
        Path scratch = Files.createTempDirectory(stateDir, "bench-tar-");
        for (int i = 0; i < rounds; i++) {
            Path archive = scratch.resolve("a.tar");
            long t = System.nanoTime();
            run("tar", "--create", "--file=" + archive, "--format=posix", "--sparse", "-C", workspace.toString(), ".");
            run("sync", "--file-system", archive.toString());
            tarCreate[i] = seconds(t);
            Path target = Files.createDirectory(scratch.resolve("x" + i));
            t = System.nanoTime();
            run("tar", "--extract", "--file=" + archive, "-C", target.toString());
            run("sync", "--file-system", target.toString());
            tarExtract[i] = seconds(t);
            run("rm", "-rf", target.toString(), archive.toString());
        }
        run("rm", "-rf", scratch.toString());

        List<double[]> phases = new ArrayList<>();
        if (args.length > 3) {
            Matcher m = PHASES.matcher(Files.readString(Path.of(args[3])));
            while (m.find()) {
                phases.add(new double[] { Long.parseLong(m.group(1)) / 1000.0, Long.parseLong(m.group(2)) / 1000.0 });
            }
        }
        write(out, files, bytes, archiveBytes, persist, restore, tarCreate, tarExtract, phases);
    }

    static void write(Path out, long files, long bytes, long archiveBytes, double[] persist, double[] restore,
            double[] tarCreate, double[] tarExtract, List<double[]> phases) throws IOException {
        double mb = bytes / 1e6;
        StringBuilder report = new StringBuilder("# agentbox checkpoint benchmark\n\n")
                .append("- date: ").append(ZonedDateTime.now()).append('\n')
                .append("- machine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores, ")
                .append(firstLine("/proc/meminfo")).append(", kernel ").append(System.getProperty("os.version"))
                .append('\n')
                .append("- workspace: ").append(files).append(" files, ").append(String.format("%.1f", mb))
                .append(" MB (20 × 5 MB random, 3,000 × 20 KB text, 10,000 × 4 KB hex, 100 symlinks);")
                .append(" archive ").append(String.format("%.1f", archiveBytes / 1e6)).append(" MB\n")
                .append("- ").append(persist.length).append(" rounds; page cache warm (nothing is dropped, the")
                .append(" machine is shared); throughput = workspace MB / wall time of the call; each round starts")
                .append(" once the server has removed the tree the previous restore replaced (it does that in the")
                .append(" background)\n\n")
                .append("| operation | p50 s | min s | max s | MB/s at p50 |\n|---|---|---|---|---|\n");
        row(report, "persist (REST call: archive in the sandbox, fsync, SHA-256, commit)", persist, mb);
        row(report, "restore (REST call: verify SHA-256, stop sandbox, extract in a transfer sandbox, sync, swap)",
                restore, mb);
        if (!phases.isEmpty()) {
            row(report, "&nbsp;&nbsp;of which: extract (transfer sandbox start, tar -x, stop)",
                    phases.stream().mapToDouble(p -> p[0]).toArray(), mb);
            row(report, "&nbsp;&nbsp;of which: sync of the file system before the swap",
                    phases.stream().mapToDouble(p -> p[1]).toArray(), mb);
        }
        row(report, "baseline: plain `tar -c` on the host as root, then sync", tarCreate, mb);
        row(report, "baseline: plain `tar -x` on the host as root, then sync", tarExtract, mb);
        Files.writeString(out.resolve("report.md"), report.toString());
        StringBuilder csv = new StringBuilder("operation,round,seconds\n");
        sample(csv, "persist", persist);
        sample(csv, "restore", restore);
        sample(csv, "tar-create", tarCreate);
        sample(csv, "tar-extract", tarExtract);
        Files.writeString(out.resolve("samples.csv"), csv.toString());
        System.out.print(report);
    }

    static void row(StringBuilder report, String name, double[] samples, double mb) {
        double[] sorted = samples.clone();
        Arrays.sort(sorted);
        double p50 = sorted[sorted.length / 2];
        report.append("| ").append(name).append(String.format(" | %.2f | %.2f | %.2f | %.0f |%n", p50, sorted[0],
                sorted[sorted.length - 1], mb / p50));
    }

    static void sample(StringBuilder csv, String name, double[] samples) {
        for (int i = 0; i < samples.length; i++) {
            csv.append(name).append(',').append(i).append(',').append(String.format("%.4f", samples[i])).append('\n');
        }
    }

    static String bash(URI base, String key, String command) throws Exception {
        String body = "{\"command\":" + quote(command) + ",\"timeout_seconds\":600}";
        String result = call(base, key, "POST", "/api/tools/bash", body);
        if (!result.contains("\"exit_code\":0")) {
            throw new IllegalStateException("Command failed: " + result);
        }
        return match(STDOUT, result);
    }

    static String call(URI base, String key, String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofMinutes(15))
                .header("Agentbox-Conversation", key).header("Content-Type", "application/json");
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new IllegalStateException(method + " " + path + " answered " + response.statusCode() + ": "
                    + response.body());
        }
        return response.body();
    }

    /**
     * Waits until the server has removed the trees that restores replaced (it does so in the background), so that no
     * round pays for the previous one's clean-up.
     */
    static void awaitNoTransfers(Path conversation) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (System.nanoTime() < deadline) {
            try (var entries = Files.list(conversation)) {
                if (entries.noneMatch(p -> p.getFileName().toString().startsWith("transfer-"))) {
                    return;
                }
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("Replaced workspaces still not removed after 5 minutes");
    }

    static void run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (process.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
        }
    }

    static String match(Pattern pattern, String text) {
        Matcher m = pattern.matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("Unexpected answer: " + text);
        }
        return m.group(1);
    }

    static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                default -> out.append(c);
            }
        }
        return out.append('"').toString();
    }

    static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    static String firstLine(String file) throws IOException {
        List<String> lines = new ArrayList<>(Files.readAllLines(Path.of(file)));
        return lines.isEmpty() ? "" : lines.get(0).replaceAll("\\s+", " ");
    }
}
