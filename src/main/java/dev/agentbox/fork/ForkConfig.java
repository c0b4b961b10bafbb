package dev.agentbox.fork;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Forks: child conversations seeded from a parent's workspace, for sub-agents.
 */
@ConfigMapping(prefix = "agentbox.fork")
public interface ForkConfig {

    /**
     * How deep forks may nest: a conversation that is not a fork has depth 0, its forks depth 1, and so on.
     */
    @WithDefault("3")
    int maxDepth();

    /**
     * How many forks one conversation may make.
     */
    @WithDefault("20")
    int maxChildren();
}
