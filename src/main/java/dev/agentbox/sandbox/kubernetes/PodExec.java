package dev.agentbox.sandbox.kubernetes;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.agentbox.sandbox.CapturedOutput;
import dev.agentbox.sandbox.ExecHandle;
import dev.agentbox.sandbox.ExecResult;
import dev.agentbox.sandbox.ExecSummary;
import dev.agentbox.sandbox.SandboxException;
import dev.agentbox.sandbox.records.ExecRecord;
import dev.agentbox.sandbox.records.ExitRecord;
import io.smallrye.mutiny.Uni;

/**
 * One exec in a sandbox pod, known by its record on the workspace claim. An exec started here is followed through
 * the stream that started it; one found through its record (started before a restart, or by another replica) is
 * followed, once someone waits for it, by an exec that waits in the pod. Its state is cached briefly, so that one
 * tool call asks the pod once rather than for every fact.
 */
final class PodExec implements ExecHandle {

    /** How long a known "running" state is trusted before the pod is asked again. */
    private static final long FRESH_NANOS = 250_000_000L;

    /** What is known of the exec at a moment: state, exit record, output totals. */
    record State(String kind, ExitRecord exit, long stdoutBytes, long stderrBytes, long atNanos) {

        boolean running() {
            return "running".equals(kind) || "starting".equals(kind);
        }
    }

    private final PodSandbox sandbox;
    private final ExecRecord record;
    private final int captureHead;
    private final int captureTail;
    private final CompletableFuture<ExecResult> done = new CompletableFuture<>();
    private final AtomicBoolean followed = new AtomicBoolean();
    private volatile State state;
    private volatile ExecResult result;
    private volatile boolean streamLive;
    private volatile boolean over;

    /**
     * @param captureHead the head capacity of its capture files, or -1 when unknown
     */
    PodExec(PodSandbox sandbox, ExecRecord record, int captureHead, int captureTail, State state) {
        this.sandbox = sandbox;
        this.record = record;
        this.captureHead = captureHead;
        this.captureTail = captureTail;
        this.state = state;
    }

    @Override
    public String id() {
        return record.id();
    }

    @Override
    public Map<String, String> labels() {
        return record.labels() == null ? Map.of() : record.labels();
    }

    @Override
    public Instant startedAt() {
        return record.startedAt();
    }

    int captureHead() {
        return captureHead;
    }

    int captureTail() {
        return captureTail;
    }

    /** Marks the exec as followed by a live stream (the one that started it, or a waiting one). */
    boolean startFollowing() {
        return followed.compareAndSet(false, true);
    }

    void streamLive(boolean live) {
        streamLive = live;
        if (!live) {
            followed.set(false);
        }
    }

    /**
     * @return whether the exec's end (or its loss) is known; its completion may still be on its way to waiters
     */
    boolean isDone() {
        return over;
    }

    /** Records how the exec ended, as its stream reported it. */
    void finish(ExecEnding ending) {
        ExitRecord exit = ending.exit();
        if (exit == null) {
            fail(sandbox.lostOrBroken("The command's supervisor stopped without recording how the command ended: "
                    + ending.whyNoRecord()));
            return;
        }
        ExecResult ended = exit.toResult(ending.stdout(), ending.stderr());
        result = ended;
        state = new State("ended", exit, ending.stdout().totalBytes(), ending.stderr().totalBytes(), System.nanoTime());
        over = true;
        sandbox.complete(() -> done.complete(ended));
    }

    /** The exec can no longer be followed: its sandbox is gone. */
    void fail(SandboxException failure) {
        over = true;
        sandbox.complete(() -> done.completeExceptionally(failure));
    }

    @Override
    public Uni<ExecResult> completion() {
        if (!over) {
            sandbox.follow(this);
        }
        return Uni.createFrom().completionStage(done);
    }

    @Override
    public Optional<ExecResult> result() {
        ExecResult known = result;
        if (known != null) {
            return Optional.of(known);
        }
        if (!"ended".equals(current().kind())) {
            return Optional.empty();
        }
        ExecEnding ending = new ExecEnding(sandbox.json());
        sandbox.call(PodScripts.ending(id())).forEach(ending::accept);
        if (ending.exit() == null) {
            return Optional.empty();
        }
        ExecResult ended = ending.exit().toResult(ending.stdout(), ending.stderr());
        result = ended;
        return Optional.of(ended);
    }

    @Override
    public boolean isRunning() {
        return result == null && current().running();
    }

    @Override
    public ExecSummary describe() {
        ExecResult known = result;
        if (known != null) {
            return ExecSummary.ended(known, known.stdout().totalBytes(), known.stderr().totalBytes());
        }
        State now = current();
        if (now.running()) {
            return ExecSummary.running(now.stdoutBytes(), now.stderrBytes());
        }
        if (now.exit() != null) {
            return ExecSummary.ended(now.exit().toResult(CapturedOutput.EMPTY, CapturedOutput.EMPTY),
                    now.exit().stdoutBytes(), now.exit().stderrBytes());
        }
        return ExecSummary.lost(now.stdoutBytes(), now.stderrBytes());
    }

    @Override
    public CapturedOutput output(boolean stderr) {
        List<ReplyParser.Item> reply = sandbox.call(PodScripts.output(id(), stderr));
        CapturedOutput output = CapturedOutput.EMPTY;
        String kind = "lost";
        ExitRecord exit = null;
        for (ReplyParser.Item item : reply) {
            switch (item.tag()) {
                case 'R' -> kind = item.field(0);
                case 'X' -> exit = item.data().length == 0 ? null : ExecEnding.exitRecord(sandbox.json(), item.data());
                case 'O' -> output = ExecEnding.output(item);
                case 'E' -> kind = "lost";
                default -> {
                    // not part of this reply
                }
            }
        }
        State before = state;
        long out = stderr ? before.stdoutBytes() : output.totalBytes();
        long err = stderr ? output.totalBytes() : before.stderrBytes();
        if (result == null) {
            state = new State(kind, exit, out, err, System.nanoTime());
        }
        return output;
    }

    @Override
    public void kill() {
        sandbox.call(PodScripts.kill(id()));
        state = new State(state.kind(), state.exit(), state.stdoutBytes(), state.stderrBytes(), 0);
    }

    @Override
    public void discard() {
        sandbox.discard(id());
    }

    /** Takes a state read elsewhere (a listing), unless the exec's end is already known here. */
    void update(State fresh) {
        if (result == null) {
            state = fresh;
        }
    }

    /** The state, asked from the pod when the cached one may be stale. */
    private State current() {
        State known = state;
        if (!known.running() || streamLive || System.nanoTime() - known.atNanos() < FRESH_NANOS) {
            return known;
        }
        State fresh = sandbox.stateOf(id());
        update(fresh);
        return fresh;
    }

    State state() {
        return state;
    }
}
