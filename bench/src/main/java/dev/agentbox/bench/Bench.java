package dev.agentbox.bench;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The benchmark suite's entry point. bench/run starts the server and calls it with the server's endpoint, pid, state
 * and log; it runs every section in one process so that all figures come from the same run on the same machine.
 */
public final class Bench {

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            options.put(arg.substring(2, eq), arg.substring(eq + 1));
        }
        Target target = new Target(URI.create(options.get("mcp")), Long.parseLong(options.get("pid")),
                Path.of(options.get("state-dir")), Path.of(options.get("runtime-dir")), options.get("cgroup-parent"),
                Path.of(options.get("log")), Long.toString(System.currentTimeMillis(), 36),
                options.getOrDefault("api-key", ""));
        int calls = Integer.parseInt(options.getOrDefault("calls", "300"));
        int sandboxes = Integer.parseInt(options.getOrDefault("sandboxes", "40"));
        int warmUp = Integer.parseInt(options.getOrDefault("warm-up", "3000"));
        int[] levels = Arrays.stream(options.getOrDefault("levels", "10,50,200").split(",")).filter(s -> !s.isBlank())
                .mapToInt(Integer::parseInt).toArray();

        // Which sections run: all by default; the Kubernetes harness benchmark asks for the ones that need no local
        // sandbox of its own (round-trips, creation).
        Set<String> sections = Set.of(options.getOrDefault("sections", "floor,round-trips,peers,creation,concurrency")
                .split(","));
        List<Measurement> measurements = new ArrayList<>();
        if (sections.contains("floor")) {
            measurements.addAll(ExecFloor.run(target, calls));
        }
        if (sections.contains("round-trips")) {
            measurements.addAll(RoundTrips.run(target, calls, warmUp));
        }
        if (sections.contains("peers")) {
            measurements.addAll(Peers.run(Path.of(options.getOrDefault("peers", "bench/.peers")), calls,
                    Integer.parseInt(options.getOrDefault("srt-calls", "20")), warmUp));
        }
        if (sections.contains("creation")) {
            measurements.addAll(Creation.run(target, sandboxes));
        }
        List<Concurrency.Level> concurrency = sections.contains("concurrency") ? Concurrency.run(target, levels,
                Integer.parseInt(options.getOrDefault("calls-each", "10"))) : List.of();

        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("date", ZonedDateTime.now().toString());
        environment.put("machine", Runtime.getRuntime().availableProcessors() + " cores, " + firstLine("/proc/meminfo")
                + ", kernel " + firstLine("/proc/sys/kernel/osrelease") + ", " + cpuModel());
        environment.put("java", System.getProperty("java.version"));
        options.forEach((k, v) -> {
            if (k.startsWith("version-")) {
                environment.put(k.substring(8), v);
            }
        });
        environment.put("settings", "calls=" + calls + ", warm-up=" + warmUp + ", sandboxes=" + sandboxes
                + (sections.contains("concurrency") ? ", levels=" + Arrays.toString(levels) : ""));
        new Report(Path.of(options.getOrDefault("out", "bench/results/latest")), environment).write(measurements,
                concurrency);
    }

    private static String firstLine(String file) {
        try {
            return Files.readAllLines(Path.of(file)).get(0).replaceAll("\\s+", " ");
        } catch (Exception e) {
            return "?";
        }
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("?");
        } catch (Exception e) {
            return "?";
        }
    }
}
