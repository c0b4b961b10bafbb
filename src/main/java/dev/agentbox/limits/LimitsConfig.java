package dev.agentbox.limits;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * What one principal and one conversation may use at once, so that no caller can take the server from the others.
 * Every limit applies to {@code anonymous} too while authentication is off. {@code 0} turns a limit off.
 */
@ConfigMapping(prefix = "agentbox.limits")
public interface LimitsConfig {

    /**
     * How many tool calls one principal may make per minute, as a bucket that refills evenly over the minute and
     * holds a minute's worth; past it calls answer {@code RATE_LIMITED} with the seconds to wait (REST: 429 with
     * {@code Retry-After}).
     */
    @WithDefault("3000")
    int callsPerMinute();

    /**
     * How many sandboxes one principal may hold at once (running or being created); the next conversation's first
     * call answers {@code QUOTA_EXCEEDED}. Idle sandboxes are stopped after the idle timeout and then no longer count.
     */
    @WithDefault("200")
    int sandboxesPerPrincipal();

    /**
     * How many bash jobs (foreground calls included) one principal may have running at once
     * ({@code QUOTA_EXCEEDED} past it).
     */
    @WithDefault("500")
    int runningJobsPerPrincipal();

    /**
     * How many calls one conversation may have in flight at once ({@code RATE_LIMITED} past it).
     */
    @WithDefault("32")
    int concurrentCallsPerConversation();
}
