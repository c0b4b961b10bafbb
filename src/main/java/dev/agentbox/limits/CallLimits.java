package dev.agentbox.limits;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;

import dev.agentbox.toolcall.CallContext;
import dev.agentbox.toolcall.Reason;
import dev.agentbox.toolcall.ToolCallGate;
import dev.agentbox.toolcall.ToolFailure;
import io.quarkus.scheduler.Scheduled;

/**
 * The per-call limits: a principal's rate of calls (a token bucket per principal) and a conversation's calls in
 * flight. Refusals are {@code RATE_LIMITED} with {@code retry_after_seconds} in the details.
 */
@ApplicationScoped
public class CallLimits implements ToolCallGate {

    private final LimitsConfig config;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();

    CallLimits(LimitsConfig config) {
        this.config = config;
    }

    @Override
    public int order() {
        return 10;
    }

    @Override
    public Runnable admit(String tool, CallContext call) {
        String principal = call.conversation().principal();
        int perMinute = config.callsPerMinute();
        if (perMinute > 0) {
            long waitNanos = buckets.computeIfAbsent(principal, p -> new Bucket(perMinute)).take(System.nanoTime());
            if (waitNanos > 0) {
                long seconds = Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
                throw new ToolFailure(Reason.RATE_LIMITED, "More than " + perMinute + " calls per minute; try again in "
                        + seconds + " s.", Map.of("retry_after_seconds", seconds));
            }
        }
        int max = config.concurrentCallsPerConversation();
        if (max <= 0) {
            return () -> {
            };
        }
        String id = call.conversation().id();
        AtomicInteger running = inFlight.computeIfAbsent(id, k -> new AtomicInteger());
        if (running.incrementAndGet() > max) {
            running.decrementAndGet();
            throw new ToolFailure(Reason.RATE_LIMITED, "This conversation already has " + max + " calls in flight, "
                    + "the most allowed; wait for one to finish (or run long work with background: true).",
                    Map.of("retry_after_seconds", 1));
        }
        return running::decrementAndGet;
    }

    /** Forgets idle buckets and counters, so that their number stays bounded by the active callers. */
    @Scheduled(every = "5M", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void forgetIdle() {
        long now = System.nanoTime();
        buckets.entrySet().removeIf(e -> e.getValue().isFullAt(now));
        inFlight.entrySet().removeIf(e -> e.getValue().get() == 0);
    }

    /** A token bucket of a minute's calls that refills continuously. */
    static final class Bucket {

        private final double capacity;
        private final double perNano;
        private double tokens;
        private long updated;

        Bucket(int perMinute) {
            this.capacity = perMinute;
            this.perNano = perMinute / 60e9;
            this.tokens = perMinute;
            this.updated = System.nanoTime();
        }

        /** @return 0 when a call may go, else the nanoseconds until one may */
        synchronized long take(long now) {
            refill(now);
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            return (long) Math.ceil((1 - tokens) / perNano);
        }

        synchronized boolean isFullAt(long now) {
            refill(now);
            return tokens >= capacity;
        }

        private void refill(long now) {
            tokens = Math.min(capacity, tokens + (now - updated) * perNano);
            updated = now;
        }
    }
}
