package dev.agentbox.sandbox.kubernetes;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.agentbox.conversation.ConversationKey;
import dev.agentbox.egress.EgressPolicy;
import dev.agentbox.sandbox.ArchiveRequest;
import dev.agentbox.sandbox.ArchiveResult;
import dev.agentbox.sandbox.ExecHandle;
import dev.agentbox.sandbox.ExecRequest;
import dev.agentbox.sandbox.Sandbox;
import dev.agentbox.sandbox.SandboxException;
import dev.agentbox.sandbox.SandboxSpec;
import dev.agentbox.sandbox.records.ExecRecord;
import dev.agentbox.sandbox.records.ExitRecord;
import io.fabric8.kubernetes.api.model.Pod;
import io.smallrye.mutiny.Uni;

/**
 * A conversation's sandbox pod. Every exec goes through the Kubernetes exec API into the pod, where the exec helper
 * supervises it exactly as on the local backend (own session, timeout, tree kill, bounded capture files, exit record),
 * minus namespaces and cgroups, which the pod and its runtime provide. Nothing here is lost with the server: records
 * are on the workspace claim, and the pod is found again through its labels.
 */
final class PodSandbox implements Sandbox {

    private static final Logger LOG = Logger.getLogger(PodSandbox.class);

    private final PodSandboxProvider provider;
    private final ConversationKey conversation;
    private final String name;
    private final String uid;
    private final String claim;
    private final SandboxSpec.Limits limits;
    private final EgressPolicy egress;
    private final PodShell shell;
    private final Map<String, PodExec> followed = new ConcurrentHashMap<>();
    private final Set<String> discarded = ConcurrentHashMap.newKeySet();
    private volatile boolean destroyed;
    private volatile long lastTouch;

    /**
     * @param egress the egress rules the pod was made with (from its annotation: a pod found again keeps its own)
     */
    PodSandbox(PodSandboxProvider provider, ConversationKey conversation, Pod pod, SandboxSpec.Limits limits,
            EgressPolicy egress) {
        this.provider = provider;
        this.conversation = conversation;
        this.name = pod.getMetadata().getName();
        this.uid = pod.getMetadata().getUid();
        this.claim = PodTemplates.claimOf(pod);
        this.limits = limits;
        this.egress = egress;
        this.shell = provider.shell(name);
        this.lastTouch = System.nanoTime();
    }

    @Override
    public String id() {
        // The pod's name and a piece of its uid: a new pod of the conversation gets the same name, not the same id.
        String compact = uid.replace("-", "");
        return name + "-" + compact.substring(Math.max(0, compact.length() - 8));
    }

    @Override
    public EgressPolicy egress() {
        return egress;
    }

    String podName() {
        return name;
    }

    String uid() {
        return uid;
    }

    String claim() {
        return claim;
    }

    ConversationKey conversation() {
        return conversation;
    }

    ObjectMapper json() {
        return provider.json();
    }

    @Override
    public Uni<ExecHandle> start(ExecRequest request) {
        return Uni.createFrom().deferred(() -> {
            if (!isAlive()) {
                return Uni.createFrom().failure(lost("The sandbox's pod " + name + " is gone"));
            }
            touch();
            return Uni.createFrom().completionStage(launch(request));
        });
    }

    /** Starts an exec through one stream that reports the start, then the result. */
    private CompletableFuture<ExecHandle> launch(ExecRequest request) {
        String id = ExecRecord.newId();
        ExecRecord record = new ExecRecord(id, Instant.now(), request.labels());
        byte[] recordLine = recordLine(record);
        List<String> forgotten = List.copyOf(discarded);
        String program = PodScripts.launch(id, recordLine.length, request.stdin().length,
                provider.config().execHelper(), helperArguments(id, request), request.captureHead(),
                request.captureTail(), forgotten);
        PodExec exec = new PodExec(this, record, request.captureHead(), request.captureTail(),
                new PodExec.State("starting", null, 0, 0, System.nanoTime()));
        exec.startFollowing();
        exec.streamLive(true);
        CompletableFuture<ExecHandle> started = new CompletableFuture<>();
        ExecEnding ending = new ExecEnding(json());
        PodShell.Stream stream = shell.stream(program, concat(recordLine, request.stdin()), item -> {
            switch (item.tag()) {
                case 'S' -> {
                    discarded.removeAll(forgotten);
                    followed.put(id, exec);
                    exec.update(new PodExec.State("running", null, 0, 0, System.nanoTime()));
                    complete(() -> started.complete(exec));
                }
                case 'E' -> {
                    SandboxException refused = SandboxException.unavailable("The sandbox could not start the "
                            + "command: " + item.field(0), null);
                    exec.fail(refused);
                    complete(() -> started.completeExceptionally(refused));
                }
                case 'Z' -> {
                    exec.streamLive(false);
                    followed.remove(id);
                    if (ending.seen()) {
                        exec.finish(ending);
                    }
                }
                default -> ending.accept(item);
            }
        });
        stream.channel().ended().thenAccept(end -> {
            if (stream.parser().ended() || exec.isDone()) {
                return;
            }
            exec.streamLive(false);
            RuntimeException why = brokenStream(stream, end);
            if (!started.isDone()) {
                complete(() -> started.completeExceptionally(lostOrBroken("The sandbox's pod " + name
                        + " cannot be reached: " + why.getMessage())));
                return;
            }
            LOG.debugf("Exec stream broke, following the exec in the pod [sandbox: %s, exec: %s, cause: %s]", id(), id,
                    why.getMessage());
            follow(exec);
        });
        long timeout = provider.config().apiTimeout().toMillis();
        return started.orTimeout(timeout, TimeUnit.MILLISECONDS).handle((handle, failure) -> {
            if (failure == null) {
                return handle;
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause()
                    : failure;
            if (cause instanceof TimeoutException) {
                stream.channel().close();
                throw SandboxException.unavailable("The sandbox's pod " + name + " did not start the command within "
                        + timeout / 1000 + " s", cause);
            }
            throw cause instanceof RuntimeException r ? r : new CompletionException(cause);
        });
    }

    private static RuntimeException brokenStream(PodShell.Stream stream, ExecChannel.Ending end) {
        try {
            PodShell.check(stream, end);
            return new IllegalStateException("the stream ended without a reply");
        } catch (PodCallException e) {
            return e;
        }
    }

    /**
     * Follows an exec whose end is not known yet with a program that waits in the pod, unless something already
     * follows it. When that stream breaks too, tries again while the pod lives; once the pod is gone the exec fails
     * as lost.
     */
    void follow(PodExec exec) {
        if (exec.isDone() || !exec.startFollowing()) {
            return;
        }
        followed.put(exec.id(), exec);
        if (!isAlive()) {
            followed.remove(exec.id());
            exec.fail(lost("The sandbox's pod " + name + " stopped while the command ran"));
            return;
        }
        ExecEnding ending = new ExecEnding(json());
        exec.streamLive(true);
        PodShell.Stream stream = shell.stream(PodScripts.await(exec.id(), exec.captureHead(), exec.captureTail()),
                new byte[0], item -> {
                    if (item.tag() == 'E') {
                        exec.fail(SandboxException.lost("The record of exec " + exec.id() + " is gone"));
                    } else if (item.tag() == 'Z' && ending.seen()) {
                        exec.finish(ending);
                    } else {
                        ending.accept(item);
                    }
                });
        stream.channel().ended().thenAccept(end -> {
            exec.streamLive(false);
            followed.remove(exec.id());
            if (exec.isDone()) {
                return;
            }
            // Either the stream broke again or the reply was unusable: look again shortly, unless the pod is gone.
            provider.later(Duration.ofMillis(500), () -> follow(exec));
        });
    }

    /** Runs a short program in the pod and waits for its reply: for the SPI's synchronous methods. */
    List<ReplyParser.Item> call(String program) {
        try {
            return shell.call(program);
        } catch (PodCallException e) {
            throw e.podGone() || !isAlive() ? lost("The sandbox's pod " + name + " is gone")
                    : SandboxException.unavailable("The sandbox's pod " + name + " cannot be reached: " + e.getMessage(),
                            e);
        }
    }

    /** The state of one exec, asked from the pod. */
    PodExec.State stateOf(String execId) {
        for (Listed listed : scan(List.of(execId))) {
            return listed.state();
        }
        return new PodExec.State("lost", null, 0, 0, System.nanoTime());
    }

    /** An exec record as a listing reported it. */
    private record Listed(ExecRecord record, PodExec.State state) {
    }

    private List<Listed> scan(List<String> only) {
        List<String> forgotten = List.copyOf(discarded);
        List<ReplyParser.Item> reply = call(PodScripts.scan(only, forgotten));
        discarded.removeAll(forgotten);
        List<Listed> listed = new ArrayList<>();
        ExecRecord record = null;
        String kind = null;
        for (ReplyParser.Item item : reply) {
            switch (item.tag()) {
                case 'J' -> {
                    addPending(listed, record, kind);
                    kind = item.field(1);
                    record = readRecord(item.data());
                }
                case 'X' -> {
                    ExitRecord exit = item.data().length == 0 ? null : ExecEnding.exitRecord(json(), item.data());
                    long out = exit == null ? 0 : exit.stdoutBytes();
                    long err = exit == null ? 0 : exit.stderrBytes();
                    if (record != null) {
                        listed.add(new Listed(record, new PodExec.State(exit == null ? "lost" : "ended", exit, out,
                                err, System.nanoTime())));
                    }
                    record = null;
                }
                case 'T' -> {
                    if (record != null) {
                        listed.add(new Listed(record, new PodExec.State(kind, null, item.number(0), item.number(1),
                                System.nanoTime())));
                    }
                    record = null;
                }
                default -> {
                    // nothing else is part of a listing
                }
            }
        }
        addPending(listed, record, kind);
        return listed;
    }

    /** A record not yet added: one followed by neither exit nor totals (lost). */
    private static void addPending(List<Listed> listed, ExecRecord record, String kind) {
        if (record != null) {
            listed.add(new Listed(record, new PodExec.State("lost".equals(kind) ? "lost" : kind, null, 0, 0,
                    System.nanoTime())));
        }
    }

    @Override
    public Optional<ExecHandle> exec(String id) {
        if (!PodScripts.isExecId(id) || discarded.contains(id)) {
            return Optional.empty();
        }
        PodExec live = followed.get(id);
        if (live != null) {
            return Optional.of(live);
        }
        return scan(List.of(id)).stream().findFirst().map(this::handle);
    }

    @Override
    public List<ExecHandle> execs() {
        List<ExecHandle> found = new ArrayList<>();
        for (Listed listed : scan(List.of())) {
            if (!discarded.contains(listed.record().id())) {
                found.add(handle(listed));
            }
        }
        found.sort(Comparator.comparing(ExecHandle::startedAt).reversed());
        return List.copyOf(found);
    }

    private ExecHandle handle(Listed listed) {
        PodExec live = followed.get(listed.record().id());
        if (live != null) {
            return live;
        }
        return new PodExec(this, listed.record(), -1, -1, listed.state());
    }

    @Override
    public boolean isBusy() {
        if (followed.values().stream().anyMatch(e -> !e.isDone())) {
            return true;
        }
        if (provider.activeElsewhere(name)) {
            return true;
        }
        try {
            return scan(List.of()).stream().anyMatch(l -> l.state().running());
        } catch (SandboxException e) {
            return false;
        }
    }

    @Override
    public boolean isAlive() {
        return !destroyed && provider.watch().isAlive(name, uid);
    }

    @Override
    public Uni<Void> destroy() {
        destroyed = true;
        return Uni.createFrom().<Void> item(() -> {
            try {
                shell.call(PodScripts.stopAll());
            } catch (PodCallException | IllegalStateException e) {
                LOG.debugf("Running execs not stopped before deletion [sandbox: %s, cause: %s]", id(), e.getMessage());
            }
            return null;
        }).runSubscriptionOn(provider.worker()).flatMap(ignored -> provider.deletePod(name, uid, claim));
    }

    /** Forgets an exec's record: removed with the next program that runs in the pod, or by the next flush. */
    void discard(String execId) {
        if (PodScripts.isExecId(execId)) {
            discarded.add(execId);
            followed.remove(execId);
        }
    }

    /** Removes discarded records now; called from the provider's periodic flush. */
    void flushDiscarded() {
        if (discarded.isEmpty() || !isAlive()) {
            return;
        }
        List<String> ids = List.copyOf(discarded);
        shell.run(PodScripts.forget(ids), new byte[0]).thenRun(() -> discarded.removeAll(ids));
    }

    @Override
    public Uni<ArchiveResult> archive(ArchiveRequest request) {
        return Uni.createFrom().deferred(() -> {
            if (!isAlive()) {
                return Uni.createFrom().failure(lost("The sandbox's pod " + name + " is gone"));
            }
            touch();
            return Uni.createFrom().item(() -> provider.transfers().archive(this, request))
                    .runSubscriptionOn(provider.worker());
        });
    }

    /** Runs a completion off the client's I/O thread, so that nothing a caller chains to it can block that thread. */
    void complete(Runnable completion) {
        provider.worker().execute(completion);
    }

    /**
     * @return a loss when the pod is gone, else a failure to reach it, with the message given
     */
    SandboxException lostOrBroken(String message) {
        return isAlive() ? SandboxException.unavailable(message, null) : lost(message);
    }

    private SandboxException lost(String message) {
        String why = provider.lossReason(name, uid);
        return SandboxException.lost(why == null ? message : message + " (" + why + ")");
    }

    /** Notes activity on the pod for other replicas and the collector, at most once a minute. */
    private void touch() {
        long now = System.nanoTime();
        if (now - lastTouch > TimeUnit.SECONDS.toNanos(60)) {
            lastTouch = now;
            provider.touch(name);
        }
    }

    private List<String> helperArguments(String id, ExecRequest request) {
        List<String> args = new ArrayList<>(List.of("--cwd", request.cwd(), "--seccomp",
                "--nofile", Integer.toString(limits.openFiles()),
                "--fsize", Long.toString(limits.fileSizeBytes()),
                "--capture", request.captureHead() + ":" + request.captureTail()));
        if (request.timeout() != null) {
            args.addAll(List.of("--timeout-ms", Long.toString(Math.max(1, request.timeout().toMillis()))));
        }
        if (request.stdin().length > 0) {
            args.addAll(List.of("--stdin", PodScripts.EXECS + "/" + id + "/stdin"));
        }
        Map<String, String> env = new LinkedHashMap<>(PodTemplates.baseEnvironment());
        env.putAll(provider.egressEnvironment(egress));
        env.putAll(request.env());
        env.forEach((k, v) -> args.addAll(List.of("--env", k + "=" + v)));
        args.add("--");
        args.addAll(request.argv());
        return args;
    }

    private byte[] recordLine(ExecRecord record) {
        try {
            return (json().writeValueAsString(record) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("An exec record cannot be written as JSON", e);
        }
    }

    private ExecRecord readRecord(byte[] line) {
        try {
            return json().readValue(line, ExecRecord.class);
        } catch (java.io.IOException e) {
            LOG.debugf("Unreadable exec record skipped [sandbox: %s, cause: %s]", id(), e.getMessage());
            return null;
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

}
