package dev.agentbox.limits;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;

import dev.agentbox.conversation.ConversationKey;
import dev.agentbox.conversation.SandboxAdmission;
import dev.agentbox.jobs.JobAdmission;
import dev.agentbox.toolcall.Reason;
import dev.agentbox.toolcall.ToolFailure;

/**
 * What one principal may hold at once: sandboxes and running jobs. Refusals are {@code QUOTA_EXCEEDED} with a
 * sentence that says how to get under the quota.
 */
@ApplicationScoped
public class PrincipalQuotas implements SandboxAdmission, JobAdmission {

    private final LimitsConfig config;
    private final Map<String, AtomicInteger> runningJobs = new ConcurrentHashMap<>();
    private final AtomicInteger totalJobs = new AtomicInteger();

    PrincipalQuotas(LimitsConfig config) {
        this.config = config;
    }

    @Override
    public void admit(ConversationKey conversation, int running) {
        int max = config.sandboxesPerPrincipal();
        if (max > 0 && running >= max) {
            throw new ToolFailure(Reason.QUOTA_EXCEEDED, "Principal '" + conversation.principal() + "' already holds "
                    + running + " sandboxes, the most allowed; keep working in an existing conversation, or wait "
                    + "until an idle one is stopped.");
        }
    }

    @Override
    public Runnable admit(ConversationKey conversation) {
        int max = config.runningJobsPerPrincipal();
        AtomicInteger jobs = runningJobs.computeIfAbsent(conversation.principal(), p -> new AtomicInteger());
        if (jobs.incrementAndGet() > max && max > 0) {
            jobs.decrementAndGet();
            throw new ToolFailure(Reason.QUOTA_EXCEEDED, "Principal '" + conversation.principal() + "' already runs "
                    + max + " jobs, the most allowed; wait for some to end (list_jobs) or stop them with job_kill.");
        }
        totalJobs.incrementAndGet();
        AtomicBoolean released = new AtomicBoolean();
        return () -> {
            if (released.compareAndSet(false, true)) {
                jobs.decrementAndGet();
                totalJobs.decrementAndGet();
            }
        };
    }

    /**
     * @return how many jobs run now, all principals together (those started by this server process)
     */
    public int runningJobs() {
        return totalJobs.get();
    }
}
