package dev.agentbox.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Writes the report: Markdown tables with spread, the targets checked against this run, every sample as CSV, a JSON
 * summary, and a plot of latency against concurrency.
 */
final class Report {

    private final Path out;
    private final Map<String, String> environment;

    Report(Path out, Map<String, String> environment) {
        this.out = out;
        this.environment = environment;
    }

    void write(List<Measurement> measurements, List<Concurrency.Level> levels) throws IOException {
        Files.createDirectories(out);
        StringBuilder md = new StringBuilder("# agentbox benchmark report\n\n");
        environment.forEach((k, v) -> md.append("- ").append(k).append(": ").append(v).append('\n'));
        md.append("\nLatencies in milliseconds; IQR is the interquartile range (p75 - p25), the spread to compare "
                + "runs by.\n");
        String section = null;
        for (Measurement m : measurements) {
            if (!m.section().equals(section)) {
                section = m.section();
                md.append("\n## ").append(section).append("\n\n| measurement | n | p50 | p90 | p99 | min | max | IQR "
                        + "| note |\n|---|---|---|---|---|---|---|---|---|\n");
            }
            Samples s = m.samples();
            md.append(String.format("| %s | %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %s |%n", m.name(),
                    s.count(), s.percentile(50), s.percentile(90), s.percentile(99), s.min(), s.max(), s.iqr(),
                    m.note()));
        }
        if (!levels.isEmpty()) {
            md.append("\n## Concurrency: N conversations calling `bash` of `echo hi` back to back, all at once\n\n"
                    + "| N | calls | p50 | p99 | max | calls/s | errors | server heap per idle sandbox | host memory per "
                    + "sandbox | server RSS |\n|---|---|---|---|---|---|---|---|---|---|\n");
            for (Concurrency.Level l : levels) {
                md.append(String.format("| %d | %d | %.1f | %.1f | %.1f | %.0f | %d | %s | %s | %s |%n",
                        l.conversations(), l.latency().count(), l.latency().percentile(50),
                        l.latency().percentile(99), l.latency().max(), l.callsPerSecond(), l.errors(),
                        bytes(l.serverHeapPerSandboxBytes()), bytes(l.hostBytesPerSandbox()), bytes(l.serverRssBytes())));
            }
            md.append("\n![latency against concurrency](latency-vs-concurrency.png)\n");
        }
        md.append("\n## Targets\n\n").append(targets(measurements, levels));
        Files.writeString(out.resolve("report.md"), md);
        writeCsv(measurements, levels);
        writeJson(measurements, levels);
        plot(levels);
        System.out.print(md);
    }

    private static String targets(List<Measurement> measurements, List<Concurrency.Level> levels) {
        StringBuilder text = new StringBuilder("| target | this run | met |\n|---|---|---|\n");
        Optional<Samples> plain = find(measurements, "plain `bash -c");
        Optional<Samples> bash = find(measurements, "agentbox `bash`");
        Optional<Samples> floor = find(measurements, "local sandbox exec");
        Optional<Samples> creation = find(measurements, "local sandbox creation, server-side");
        Optional<Samples> srt = find(measurements, "peer: `@anthropic-ai/sandbox-runtime`");
        Optional<Samples> echo = find(measurements, "peer: `@modelcontextprotocol/server-everything`");
        if (plain.isPresent() && bash.isPresent()) {
            double ratio = bash.get().percentile(50) / plain.get().percentile(50);
            row(text, "`bash` round trip p50 within 3x a plain spawn", String.format("%.2fx (%.2f / %.2f ms)", ratio,
                    bash.get().percentile(50), plain.get().percentile(50)), ratio <= 3);
        }
        creation.ifPresent(c -> row(text, "sandbox creation p50 <= 60 ms", String.format("%.1f ms",
                c.percentile(50)), c.percentile(50) <= 60));
        levels.stream().filter(l -> l.conversations() == 200).findFirst().ifPresent(l -> row(text,
                "200 concurrent conversations with zero errors", l.errors() + " errors in " + l.latency().count()
                        + " calls", l.errors() == 0));
        levels.stream().max((a, b) -> Integer.compare(a.conversations(), b.conversations())).ifPresent(l -> row(text,
                "memory per idle sandbox on the server side <= 1 MiB", bytes(l.serverHeapPerSandboxBytes())
                        + " of live heap", l.serverHeapPerSandboxBytes() <= 1 << 20));
        if (bash.isPresent() && srt.isPresent()) {
            row(text, "`bash` round trip faster than `srt` wrapping the same command", String.format(
                    "%.2f vs %.2f ms", bash.get().percentile(50), srt.get().percentile(50)),
                    bash.get().percentile(50) < srt.get().percentile(50));
        }
        if (bash.isPresent() && floor.isPresent() && echo.isPresent()) {
            double overhead = bash.get().percentile(50) - floor.get().percentile(50);
            double ratio = overhead / echo.get().percentile(50);
            row(text, "protocol overhead within 2x server-everything's `echo`", String.format(
                    "%.2fx (bash round trip minus sandbox exec floor %.2f ms, echo %.2f ms)", ratio, overhead,
                    echo.get().percentile(50)), ratio <= 2);
        }
        return text.toString();
    }

    private static void row(StringBuilder text, String target, String value, boolean met) {
        text.append("| ").append(target).append(" | ").append(value).append(" | ").append(met ? "yes" : "**no**")
                .append(" |\n");
    }

    private static Optional<Samples> find(List<Measurement> measurements, String prefix) {
        return measurements.stream().filter(m -> m.name().startsWith(prefix) && m.samples().count() > 0)
                .map(Measurement::samples).findFirst();
    }

    private void writeCsv(List<Measurement> measurements, List<Concurrency.Level> levels) throws IOException {
        StringBuilder csv = new StringBuilder("section,measurement,sample,millis\n");
        for (Measurement m : measurements) {
            double[] values = m.samples().values();
            for (int i = 0; i < values.length; i++) {
                csv.append('"').append(m.section()).append("\",\"").append(m.name().replace("\"", "'")).append("\",")
                        .append(i).append(',').append(String.format("%.3f", values[i])).append('\n');
            }
        }
        for (Concurrency.Level l : levels) {
            double[] values = l.latency().values();
            for (int i = 0; i < values.length; i++) {
                csv.append("\"Concurrency\",\"N=").append(l.conversations()).append("\",").append(i).append(',')
                        .append(String.format("%.3f", values[i])).append('\n');
            }
        }
        Files.writeString(out.resolve("samples.csv"), csv);
    }

    private void writeJson(List<Measurement> measurements, List<Concurrency.Level> levels) throws IOException {
        Map<String, Object> summary = new LinkedHashMap<>(environment);
        summary.put("measurements", measurements.stream().map(m -> Map.of("section", m.section(), "name", m.name(),
                "n", m.samples().count(), "p50", m.samples().percentile(50), "p90", m.samples().percentile(90), "p99",
                m.samples().percentile(99), "iqr", m.samples().iqr())).toList());
        summary.put("concurrency", levels.stream().map(l -> Map.of("conversations", l.conversations(), "p50",
                l.latency().percentile(50), "p99", l.latency().percentile(99), "callsPerSecond", l.callsPerSecond(),
                "errors", l.errors(), "serverHeapPerSandboxBytes", l.serverHeapPerSandboxBytes(),
                "hostBytesPerSandbox", l.hostBytesPerSandbox())).toList());
        McpHttp.JSON.writerWithDefaultPrettyPrinter().writeValue(out.resolve("summary.json").toFile(), summary);
    }

    private void plot(List<Concurrency.Level> levels) throws IOException {
        if (levels.isEmpty() || !Files.isExecutable(Path.of("/usr/bin/gnuplot"))) {
            return;
        }
        StringBuilder data = new StringBuilder();
        levels.forEach(l -> data.append(l.conversations()).append(' ').append(l.latency().percentile(50)).append(' ')
                .append(l.latency().percentile(99)).append('\n'));
        Path dat = out.resolve("concurrency.dat");
        Files.writeString(dat, data);
        String script = "set terminal pngcairo size 800,480; set output '" + out.resolve("latency-vs-concurrency.png")
                + "'; set title 'agentbox bash round trip against concurrent conversations'; set xlabel "
                + "'conversations at once'; set ylabel 'ms'; set logscale x; set key left top; set grid; plot '" + dat
                + "' using 1:2 with linespoints title 'p50', '' using 1:3 with linespoints title 'p99'";
        try {
            new ProcessBuilder("gnuplot", "-e", script).inheritIO().start().waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String bytes(long value) {
        if (value < 0) {
            return "n/a";
        }
        return value >= 1 << 20 ? String.format("%.1f MiB", value / 1048576.0) : String.format("%.0f KiB", value / 1024.0);
    }
}
