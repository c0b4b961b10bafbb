package dev.agentbox.sandbox.kubernetes.harness;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * Trouble the harness can make on request, as a cluster would: an API server that is down or slow, a conflicting
 * creation by "another replica", a quota refusal, claims that never bind, images that cannot be pulled, pods that
 * cannot be scheduled, exec streams that drop. Faults affect the server under test only, never the harness's own
 * kubelet.
 */
public final class Faults {

    private volatile boolean apiDown;
    private volatile long apiDelayMillis;
    private final AtomicInteger conflicts = new AtomicInteger();
    private final Queue<String> quotaRefusals = new ConcurrentLinkedQueue<>();
    private volatile Predicate<String> unboundClaims = name -> false;
    private volatile String imagePullFailure;
    private volatile String unschedulable;
    private final AtomicLong execDrop = new AtomicLong(-1);
    private volatile Predicate<String> dropPods = pod -> true;
    private final AtomicReference<InputCut> inputCut = new AtomicReference<>();
    private volatile Predicate<String> inputCutPods = pod -> false;

    /**
     * Where an exec's stdin stops reaching its process.
     *
     * @param afterBytes how many bytes of stdin pass
     * @param dropStream whether the stream then breaks (else it stays open, and the process waits for more input)
     */
    record InputCut(long afterBytes, boolean dropStream) {
    }

    /** Answers every request of the server with 503 while set. */
    public Faults apiDown(boolean down) {
        this.apiDown = down;
        return this;
    }

    /** Delays every answer to the server by this much (0: none). */
    public Faults apiDelayMillis(long millis) {
        this.apiDelayMillis = millis;
        return this;
    }

    /** The next pod creation meets a pod of the same name made a moment before, as by another replica. */
    public Faults conflictOnNextPodCreate() {
        conflicts.incrementAndGet();
        return this;
    }

    /** The next pod creation is refused by a ResourceQuota. */
    public Faults quotaExceededOnNextPodCreate() {
        quotaRefusals.add("exceeded quota: sandbox-quota, requested: limits.memory=1Gi, used: limits.memory=8Gi, "
                + "limited: limits.memory=8Gi");
        return this;
    }

    /** Claims whose name matches are never bound. */
    public Faults claimsNeverBind(Predicate<String> names) {
        this.unboundClaims = names;
        return this;
    }

    /** New pods' images cannot be pulled, with this message ({@code null}: they can). */
    public Faults imagePullFails(String message) {
        this.imagePullFailure = message;
        return this;
    }

    /** New pods cannot be scheduled, with this message ({@code null}: they can). */
    public Faults unschedulable(String message) {
        this.unschedulable = message;
        return this;
    }

    /** The next exec stream is dropped this long after it opens; its process keeps running. */
    public Faults dropNextExecAfter(long millis) {
        execDrop.set(millis);
        return this;
    }

    /** The next exec stream into a pod whose name matches is dropped this long after it opens. */
    public Faults dropNextExecIntoAfter(Predicate<String> pods, long millis) {
        this.dropPods = pods;
        execDrop.set(millis);
        return this;
    }

    /**
     * The next exec stream into a pod whose name matches is dropped once it has carried this many bytes of stdin;
     * what follows never reaches the process, which keeps running.
     */
    public Faults dropNextExecIntoAfterInput(Predicate<String> pods, long bytes) {
        this.inputCutPods = pods;
        inputCut.set(new InputCut(bytes, true));
        return this;
    }

    /**
     * The next exec into a pod whose name matches passes on this many bytes of stdin and no more, and keeps its stream
     * open: its process waits for input that never comes, until something else (an eviction) ends it.
     */
    public Faults stallNextExecIntoAfterInput(Predicate<String> pods, long bytes) {
        this.inputCutPods = pods;
        inputCut.set(new InputCut(bytes, false));
        return this;
    }

    /** Clears every fault. */
    public void reset() {
        apiDown = false;
        apiDelayMillis = 0;
        conflicts.set(0);
        quotaRefusals.clear();
        unboundClaims = name -> false;
        imagePullFailure = null;
        unschedulable = null;
        execDrop.set(-1);
        dropPods = pod -> true;
        inputCut.set(null);
        inputCutPods = pod -> false;
    }

    boolean apiDown() {
        return apiDown;
    }

    long apiDelayMillis() {
        return apiDelayMillis;
    }

    boolean takeConflictOnCreate() {
        return conflicts.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
    }

    String takeQuotaRefusal() {
        return quotaRefusals.poll();
    }

    boolean claimNeverBinds(String name) {
        return unboundClaims.test(name);
    }

    String imagePullFailure() {
        return imagePullFailure;
    }

    String unschedulable() {
        return unschedulable;
    }

    InputCut takeInputCut(String pod) {
        return inputCutPods.test(pod) ? inputCut.getAndSet(null) : null;
    }

    long takeExecDrop(String pod, List<String> argv) {
        if (!dropPods.test(pod)) {
            return -1;
        }
        return execDrop.getAndSet(-1);
    }
}
