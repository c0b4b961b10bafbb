package dev.agentbox.shell;

import java.time.Duration;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * The {@code bash} tool: timeouts, and how much of a command and its output is accepted and returned.
 */
@ConfigMapping(prefix = "agentbox.shell")
public interface ShellConfig {

    /**
     * The timeout of a command when the call gives none. At the timeout the command and every process it started
     * are killed.
     */
    @WithDefault("120S")
    Duration defaultTimeout();

    /**
     * The longest timeout a call may ask for, and the timeout of background commands that give none.
     */
    @WithDefault("12H")
    Duration maxTimeout();

    /**
     * The longest command accepted, in characters ({@code INPUT_TOO_LARGE} past it).
     */
    @WithDefault("100000")
    int maxCommandLength();

    /**
     * How many characters of output (stdout and stderr together) a result carries. Longer output keeps its head and
     * tail, with a note of what was cut.
     */
    @WithDefault("30000")
    int maxOutputChars();

    /**
     * How much of each output stream is kept on disk per command: this many bytes of the head and as many of the
     * tail.
     */
    @WithDefault("1M")
    MemorySize captureBytes();
}
