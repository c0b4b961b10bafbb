package dev.agentbox.jobs;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Jobs: every {@code bash} call runs as a job whose record (command, times, exit, bounded output) is kept on the
 * sandbox's storage, so long commands never hit a client's timeout and no output is lost when a client goes away.
 */
@ConfigMapping(prefix = "agentbox.jobs")
public interface JobsConfig {

    /**
     * How long a foreground {@code bash} call waits for its command. A command still running then goes on as a job
     * and the call returns its id with the output so far. Keep it well under the tool-call timeout of MCP clients
     * (about 60 s).
     */
    @WithDefault("40S")
    Duration foregroundWait();

    /**
     * The longest a {@code job_output} call may wait for new output.
     */
    @WithDefault("50S")
    Duration maxOutputWait();

    /**
     * How many finished jobs a conversation keeps; older ones are forgotten, oldest first.
     */
    @WithDefault("100")
    int retained();

    /**
     * How often a foreground call sends a progress notification, when the client asked for progress.
     */
    @WithDefault("1S")
    Duration progressInterval();

    /**
     * How many jobs {@code list_jobs} shows at most, newest first.
     */
    @WithDefault("50")
    int listLimit();
}
