package dev.agentbox.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Many conversations at once: each of N conversations (its own MCP session and sandbox) issues calls back to back,
 * all starting together. Reports latency, throughput and errors per level, and what the sandboxes cost in memory.
 */
final class Concurrency {

    private Concurrency() {
    }

    /**
     * What one level of concurrency gave.
     *
     * @param conversations how many at once
     * @param latency per-call latencies
     * @param callsPerSecond completed calls per second of wall time
     * @param errors calls that failed
     * @param serverHeapPerSandboxBytes growth of the server's live heap per idle sandbox
     * @param hostBytesPerSandbox memory the sandbox's processes use on the host, per sandbox
     * @param serverRssBytes the server's resident memory after the level
     */
    record Level(int conversations, Samples latency, double callsPerSecond, int errors, long serverHeapPerSandboxBytes,
            long hostBytesPerSandbox, long serverRssBytes) {
    }

    static List<Level> run(Target target, int[] levels, int callsEach) throws Exception {
        List<Level> results = new ArrayList<>();
        for (int level : levels) {
            results.add(level(target, level, callsEach));
        }
        return results;
    }

    private static Level level(Target target, int conversations, int callsEach) throws Exception {
        long heapBefore = ServerMemory.liveHeap(target.pid());
        List<McpHttp> sessions = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < conversations; i++) {
            McpHttp mcp = target.session("bench-c" + conversations + "-" + i);
            JsonNode info = mcp.call("sandbox_info", Map.of()).path("structuredContent");
            ids.add(info.path("conversation_id").asText());
            sessions.add(mcp);
        }
        long heapAfter = ServerMemory.liveHeap(target.pid());
        long hostBytes = 0;
        for (String id : ids) {
            JsonNode record = target.sandboxRecord(id);
            hostBytes += Procs.cgroupRss(Path.of("/sys/fs/cgroup/memory", target.cgroupParent(),
                    record.path("id").asText()));
            hostBytes += record.has("servePid") ? Procs.rss(record.path("servePid").asLong()) : 0;
        }

        ExecutorService pool = Executors.newFixedThreadPool(conversations);
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger errors = new AtomicInteger();
        List<Future<double[]>> work = new ArrayList<>();
        for (McpHttp mcp : sessions) {
            work.add(pool.submit(() -> {
                start.await();
                double[] samples = new double[callsEach];
                for (int c = 0; c < callsEach; c++) {
                    long started = System.nanoTime();
                    try {
                        mcp.call("bash", Map.of("command", "echo hi"));
                    } catch (Exception e) {
                        errors.incrementAndGet();
                    }
                    samples[c] = Samples.since(started);
                }
                return samples;
            }));
        }
        long wallStart = System.nanoTime();
        start.countDown();
        List<Double> all = new ArrayList<>();
        for (Future<double[]> future : work) {
            for (double sample : future.get()) {
                all.add(sample);
            }
        }
        double wallSeconds = Samples.since(wallStart) / 1000;
        pool.shutdown();
        double[] latencies = all.stream().mapToDouble(Double::doubleValue).toArray();
        return new Level(conversations, new Samples(latencies), latencies.length / wallSeconds, errors.get(),
                Math.max(0, (heapAfter - heapBefore) / conversations), hostBytes / conversations,
                target.serverRss());
    }
}
