package dev.agentbox.audit;

import java.nio.file.Path;
import java.time.Duration;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * The audit log: an event per tool call, sandbox change, egress decision and refused request, written as JSON lines
 * to stdout and to a local store that survives restarts.
 */
@ConfigMapping(prefix = "agentbox.audit")
public interface AuditConfig {

    /**
     * Whether events are recorded at all. With {@code false} nothing is written and the audit API answers empty.
     */
    @WithDefault("true")
    boolean enabled();

    /**
     * Whether every event is also written to stdout as one JSON line (logger {@code agentbox.audit}), for Cloud
     * Logging and other collectors that read a container's output.
     */
    @WithDefault("true")
    boolean stdout();

    /**
     * Where the durable store keeps its files ({@code audit-*.jsonl}); by default below the local backend's state
     * directory.
     */
    @WithDefault("${agentbox.local.state-dir:/var/lib/agentbox}/audit")
    Path dir();

    /**
     * How large one file of the store grows before a new one is started.
     */
    @WithDefault("64M")
    MemorySize segmentSize();

    /**
     * The most the store keeps on disk; the oldest files are deleted past it.
     */
    @WithDefault("1G")
    MemorySize maxSize();

    /**
     * How long events are kept; files whose newest event is older are deleted.
     */
    @WithDefault("90D")
    Duration retention();

    /**
     * How often written events are forced to the disk. Events are in the operating system's cache as soon as a call
     * is answered, so a crash of the server loses none; this bounds what a crash of the host can lose.
     */
    @WithDefault("1S")
    Duration syncInterval();

    /**
     * The longest argument text (for example a bash command) kept in an event, in characters; longer text is cut
     * with a note of its length. File contents are never kept, only their size and a hash prefix.
     */
    @WithDefault("2000")
    int maxArgumentChars();
}
