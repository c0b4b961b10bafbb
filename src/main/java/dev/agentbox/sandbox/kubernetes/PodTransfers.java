package dev.agentbox.sandbox.kubernetes;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jboss.logging.Logger;

import dev.agentbox.conversation.ConversationKey;
import dev.agentbox.egress.EgressPolicy;
import dev.agentbox.sandbox.ArchiveRequest;
import dev.agentbox.sandbox.ArchiveResult;
import dev.agentbox.sandbox.ArchiveScripts;
import dev.agentbox.sandbox.CapturedOutput;
import dev.agentbox.sandbox.ExecResult;
import dev.agentbox.sandbox.RestoreRequest;
import dev.agentbox.sandbox.SandboxException;
import dev.agentbox.sandbox.SandboxSpec;
import dev.agentbox.sandbox.WorkspaceTransferException;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * Workspace archives and restores on the Kubernetes backend.
 * <p>
 * An archive runs {@link ArchiveScripts#ARCHIVE} in the conversation's pod as its user, outside the exec helper,
 * whose output goes to bounded capture files: the tar stream comes back as the exec's standard output and is written
 * to the target file as it arrives, with flow control, so the archive is never held in memory. The pod bounds the
 * run itself, so a dropped stream leaves nothing behind for long: GNU {@code timeout} kills the archiver's process
 * group at the timeout, and {@code head} stops one byte past the size limit, which ends the archiver with SIGPIPE.
 * <p>
 * A restore never writes into the live workspace. It runs in a pod of its own on the conversation's claim
 * ({@link PodTemplates#restorePod}) that sees only a new, empty workspace directory of the claim and, for a partial
 * restore, the current workspace read-only; the archive streams into {@link ArchiveScripts#EXTRACT} there, followed
 * by a trailer that proves it arrived whole. Once the extraction succeeded and is flushed, the pod marks the new
 * workspace complete. That mark is the commit: the first step of the next pod on the claim (any pod, the restore pod
 * removed, the sandbox's or another restore's) swaps the new workspace in with renames, which it finishes after a
 * crash at any point; without the mark it throws the new directory away. A running pod keeps the directory it
 * mounted, which is why the conversation must have no sandbox while this runs.
 */
final class PodTransfers {

    private static final Logger LOG = Logger.getLogger(PodTransfers.class);
    /** Beyond the transfer's own timeout: time to reach the pod and, for a restore, to start and remove it. */
    private static final Duration SLACK = Duration.ofSeconds(30);
    /** Input is held back while this much is queued for the connection, since fabric8 sends without waiting. */
    private static final long MAX_QUEUED = 1024 * 1024;
    /** Follows the archive on a restore's stdin, so that the pod can tell a whole archive from a cut one. */
    private static final String TRAILER = "agentbox-archive-end";
    /** Exit code of a restore whose archive did not arrive whole. */
    private static final int CUT_SHORT = 95;
    /** Exit code of a restore whose new workspace could not be flushed or marked complete. */
    private static final int NOT_MARKED = 96;

    /** Runs the archiver under the pod's bounds. Args: the archiver, the byte limit, the timeout, the paths. */
    private static final String ARCHIVE_RUNNER = """
            x=$1 limit=$2 secs=$3
            shift 3
            timeout -k 5 "$secs" bash -c "$x" agentbox-transfer "$@" < /dev/null | head -c "$limit"
            s=("${PIPESTATUS[@]}")
            exit "${s[0]}"
            """;

    /**
     * Reads exactly the archive's bytes and the trailer from stdin into the extractor, and marks the new workspace
     * complete once everything succeeded. Args: the extractor, the archive's size, the timeout, the paths.
     */
    private static final String RESTORE_RUNNER = """
            x=$1 size=$2 secs=$3
            shift 3
            { head -c "$size" && [ "$(head -c %d)" = %s ]; } | timeout -k 5 "$secs" bash -c "$x" agentbox-transfer "$@"
            s=("${PIPESTATUS[@]}")
            (( s[1] == 0 )) || exit "${s[1]}"
            (( s[0] == 0 )) || { printf 'the archive was cut short on its way to the pod' >&2; exit %d; }
            sync -f /workspace || { printf 'the new workspace could not be flushed to disk' >&2; exit %d; }
            : > %s/%s && sync -f %s || {
                rm -f %s/%s; printf 'the new workspace could not be marked complete' >&2; exit %d
            }
            """.formatted(TRAILER.length(), TRAILER, CUT_SHORT, NOT_MARKED, PodTemplates.RESTORE_OUTCOME_MOUNT,
            PodTemplates.RESTORE_COMPLETE, PodTemplates.RESTORE_OUTCOME_MOUNT, PodTemplates.RESTORE_OUTCOME_MOUNT,
            PodTemplates.RESTORE_COMPLETE, NOT_MARKED);

    /**
     * After a restore's stream broke: stops whatever still runs in the restore pod, so the answer cannot change
     * afterwards, and says whether the new workspace was marked complete.
     */
    private static final String SETTLE = """
            kill -KILL -1 2>/dev/null
            if [ -e %s/%s ]; then printf 'R complete\\n'; else printf 'R absent\\n'; fi
            printf 'Z\\n'
            """.formatted(PodTemplates.RESTORE_OUTCOME_MOUNT, PodTemplates.RESTORE_COMPLETE);

    private final PodSandboxProvider provider;
    private final ClusterObjects cluster;
    private final PodTemplates templates;
    private final ConversationPods pods;
    private final KubernetesConfig config;

    PodTransfers(PodSandboxProvider provider, ClusterObjects cluster, PodTemplates templates, ConversationPods pods,
            KubernetesConfig config) {
        this.provider = provider;
        this.cluster = cluster;
        this.templates = templates;
        this.pods = pods;
        this.config = config;
    }

    /**
     * Writes an archive of the sandbox's workspace paths to a file of the server. Blocking: runs on a worker thread.
     */
    ArchiveResult archive(PodSandbox sandbox, ArchiveRequest request) {
        FileChannel out;
        try {
            out = FileChannel.open(request.target(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS);
        } catch (FileAlreadyExistsException e) {
            throw new WorkspaceTransferException(WorkspaceTransferException.Kind.TARGET_UNWRITABLE,
                    "The archive's destination " + request.target() + " exists already.");
        } catch (IOException e) {
            throw new WorkspaceTransferException(WorkspaceTransferException.Kind.TARGET_UNWRITABLE,
                    "The archive's destination " + request.target() + " cannot be created: " + e.getMessage());
        }
        long started = System.nanoTime();
        try (out) {
            String program = "exec bash -c " + PodScripts.quote(ARCHIVE_RUNNER) + " agentbox-archive "
                    + PodScripts.quote(ArchiveScripts.ARCHIVE) + " " + (request.maxBytes() + 1) + " "
                    + seconds(request.timeout()) + quoted(request.paths());
            ArchiveSink sink = new ArchiveSink(out, request.maxBytes(), provider.worker());
            ExecChannel channel = provider.shell(sandbox.podName()).raw(program, sink);
            ExecChannel.Ending end = await(channel, request.timeout().plus(SLACK));
            sink.drained().get(config.apiTimeout().toMillis(), TimeUnit.MILLISECONDS);
            if (sink.failure() != null) {
                String message = sink.failure().getMessage();
                throw new WorkspaceTransferException(message != null && message.contains("No space left")
                        ? WorkspaceTransferException.Kind.NO_SPACE
                        : WorkspaceTransferException.Kind.TARGET_UNWRITABLE,
                        "The archive could not be written to " + request.target() + ": " + message);
            }
            if (sink.tooLarge()) {
                throw new WorkspaceTransferException(WorkspaceTransferException.Kind.TOO_LARGE,
                        "The archive grew past its limit of " + request.maxBytes() + " bytes.");
            }
            if (end == null) {
                throw new WorkspaceTransferException(WorkspaceTransferException.Kind.TIMEOUT, "The archive ran past "
                        + "its timeout of " + request.timeout().toSeconds() + " s and was stopped.");
            }
            if (end.exitCode() == null) {
                throw sandbox.lostOrBroken("The sandbox's pod " + sandbox.podName() + " stopped answering while the "
                        + "archive was written: " + why(end));
            }
            List<String> warnings = ArchiveScripts.archiveOutcome(result(end, started), request.maxBytes());
            LOG.debugf("Workspace archived [sandbox: %s, bytes: %d, took: %d ms]", sandbox.id(), sink.written(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            return new ArchiveResult(sink.written(), warnings);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WorkspaceTransferException(WorkspaceTransferException.Kind.FAILED,
                    "The archive was interrupted.");
        } catch (ExecutionException | TimeoutException | IOException e) {
            throw new WorkspaceTransferException(WorkspaceTransferException.Kind.TARGET_UNWRITABLE,
                    "The archive could not be finished in " + request.target() + ": " + e.getMessage());
        }
    }

    /**
     * Replaces workspace paths of a conversation with an archive's content, as {@link PodSandboxProvider#restore}
     * describes. Blocking: runs on a worker thread.
     */
    void restore(SandboxSpec spec, RestoreRequest request) {
        ConversationKey conversation = spec.conversation();
        String id = conversation.id();
        requireNoSandbox(id);
        long size;
        try {
            size = Files.size(request.archive());
        } catch (IOException e) {
            throw new WorkspaceTransferException(WorkspaceTransferException.Kind.FAILED,
                    "The checkpoint's archive cannot be read: " + e.getMessage());
        }
        long started = System.nanoTime();
        String name = restorePodName(id);
        Pod pod;
        try {
            String claim = pods.claimFor(conversation);
            removeRestorePod(name);
            Map<String, String> labels = PodLabels.base(config.installation());
            labels.put(PodLabels.RESTORE_OF, id);
            labels.put(PodLabels.EGRESS_PROFILE, EgressPolicy.NONE.profile());
            pod = cluster.createPod(templates.restorePod(name, claim, labels, Map.of(), spec.limits(),
                    !request.paths().isEmpty())).object();
        } catch (KubernetesClientException e) {
            throw SandboxException.unavailable("The restore's pod cannot be created: "
                    + PodDiagnosis.refusal(e, config.runtimeClass()), e);
        }
        try {
            awaitReady(pod);
            extract(pod, request, size);
            LOG.debugf("Workspace restored [conversation: %s, bytes: %d, took: %d ms]", id, size,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        } finally {
            removeRestorePod(name);
        }
    }

    private void extract(Pod restorePod, RestoreRequest request, long size) {
        String pod = restorePod.getMetadata().getName();
        String program = "exec bash -c " + PodScripts.quote(RESTORE_RUNNER) + " agentbox-restore "
                + PodScripts.quote(ArchiveScripts.EXTRACT) + " " + size + " " + seconds(request.timeout())
                + quoted(request.paths());
        long started = System.nanoTime();
        ExecChannel channel = provider.shell(pod).raw(program, (bytes, more) -> more.run());
        ExecChannel.Ending end;
        try {
            feed(channel, request);
            end = await(channel, request.timeout().plus(SLACK));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            channel.close();
            end = new ExecChannel.Ending(null, "", e);
        }
        if (end != null && end.exitCode() != null) {
            // A failed run never wrote the mark, so the workspace is unchanged whatever ended it.
            String loss = end.exitCode() == 0 ? null : lossOf(restorePod, end.exitCode());
            if (loss != null) {
                throw SandboxException.unavailable("The restore stopped because " + loss
                        + "; the workspace is unchanged.", null);
            }
            ExecResult result = result(end, started);
            if (end.exitCode() == CUT_SHORT || end.exitCode() == NOT_MARKED) {
                throw new WorkspaceTransferException(WorkspaceTransferException.Kind.FAILED,
                        "The restore failed and the workspace is unchanged: " + end.stderr().strip() + ".");
            }
            ArchiveScripts.extractOutcome(result);
            return;
        }
        // The stream broke or the pod did not answer in time: the pod alone knows whether the new workspace was
        // marked complete. It is asked after everything in it was stopped, so the answer holds.
        String outcome = settle(pod);
        if ("complete".equals(outcome)) {
            LOG.infof("Restore finished although its stream broke [pod: %s]", pod);
            return;
        }
        String state = outcome == null
                ? "its pod cannot be asked whether it finished: if it did, the restored workspace appears when the "
                        + "sandbox next starts, otherwise the workspace is unchanged"
                : "the workspace is unchanged";
        if (end == null) {
            throw new WorkspaceTransferException(WorkspaceTransferException.Kind.TIMEOUT, "The restore ran past its "
                    + "timeout of " + request.timeout().toSeconds() + " s and was stopped; " + state + ".");
        }
        String loss = provider.lossReason(pod, restorePod.getMetadata().getUid());
        throw SandboxException.unavailable("The restore's pod " + pod + " stopped answering (" + (loss != null ? loss
                : why(end)) + "); " + state + ".", end.failure());
    }

    /**
     * @return why the restore pod is no more, or {@code null} while it lives; after a run killed by a signal, which is
     *         often the first sign of a pod going, the watch gets two seconds to hear of it
     */
    private String lossOf(Pod pod, int exitCode) {
        long deadline = System.nanoTime() + (exitCode > 128 ? TimeUnit.SECONDS.toNanos(2) : 0);
        while (true) {
            String loss = provider.lossReason(pod.getMetadata().getName(), pod.getMetadata().getUid());
            if (loss != null || System.nanoTime() >= deadline) {
                return loss;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }

    /** Streams the archive and its trailer into the restore's stdin, holding back while the connection is behind. */
    private void feed(ExecChannel channel, RestoreRequest request) throws InterruptedException {
        try {
            channel.opened().get(config.apiTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            return;
        }
        byte[] buffer = new byte[ExecChannel.CHUNK];
        try (InputStream in = Files.newInputStream(request.archive())) {
            for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
                while (channel.queued() > MAX_QUEUED && !channel.ended().isDone()) {
                    // fabric8's WebSocket says how much is queued but not when it drains.
                    Thread.sleep(2);
                }
                if (!channel.send(buffer, 0, n)) {
                    return;
                }
            }
            byte[] trailer = TRAILER.getBytes(StandardCharsets.US_ASCII);
            channel.send(trailer, 0, trailer.length);
        } catch (IOException e) {
            channel.close();
            throw new WorkspaceTransferException(WorkspaceTransferException.Kind.FAILED,
                    "The checkpoint's archive cannot be read: " + e.getMessage());
        }
    }

    /**
     * @return {@code complete} or {@code absent}, or {@code null} when the pod cannot be asked
     */
    private String settle(String pod) {
        try {
            return provider.shell(pod).call(SETTLE).stream().filter(i -> i.tag() == 'R').map(i -> i.field(0))
                    .findFirst().orElse(null);
        } catch (PodCallException e) {
            LOG.warnf("Restore pod not reachable after its stream broke [pod: %s, cause: %s]", pod, e.getMessage());
            return null;
        }
    }

    /** The caller stops the sandbox first; a pod that still runs would keep the old workspace mounted. */
    private void requireNoSandbox(String conversationId) {
        for (Pod pod : provider.watch().all()) {
            if (conversationId.equals(PodSandboxProvider.labels(pod).get(PodLabels.CONVERSATION))
                    && !PodWatch.isTerminal(pod) && pod.getMetadata().getDeletionTimestamp() == null) {
                throw new IllegalStateException("The conversation's pod " + pod.getMetadata().getName()
                        + " still runs; it must be stopped before its workspace is restored");
            }
        }
    }

    private void awaitReady(Pod pod) {
        String name = pod.getMetadata().getName();
        try {
            provider.watch().ready(name, pod.getMetadata().getUid()).get(config.readyTimeout().toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw SandboxException.unavailable("Interrupted while the restore's pod " + name + " started", e);
        } catch (ExecutionException | TimeoutException e) {
            String why = e instanceof TimeoutException ? "it was not ready within " + config.readyTimeout().toSeconds()
                    + " s" : PodCallException.describe(e.getCause());
            throw SandboxException.unavailable("The restore's pod " + name + " did not start (" + why + "); the "
                    + "workspace is unchanged.", e);
        }
    }

    /** Deletes the restore pod, if there is one, and waits (bounded) until it is gone. */
    private void removeRestorePod(String name) {
        try {
            provider.watch().get(name).ifPresent(pod -> {
                cluster.deletePod(name, Duration.ZERO);
                try {
                    provider.watch().gone(name, pod.getMetadata().getUid()).get(config.terminationGrace()
                            .plus(config.apiTimeout()).toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (ExecutionException | TimeoutException e) {
                    LOG.warnf("Restore pod not gone yet; the collector removes it [pod: %s]", name);
                }
            });
        } catch (KubernetesClientException e) {
            LOG.warnf("Restore pod not deleted; the collector removes it [pod: %s, cause: %s]", name, e.getMessage());
        }
    }

    static String restorePodName(String conversationId) {
        return PodLabels.podName(conversationId) + "-restore";
    }

    /**
     * @return how the stream ended, or {@code null} when it did not end in time (it is closed then)
     */
    private static ExecChannel.Ending await(ExecChannel channel, Duration bound) throws InterruptedException {
        try {
            return channel.ended().get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            channel.close();
            return null;
        } catch (ExecutionException e) {
            return new ExecChannel.Ending(null, "", e.getCause());
        }
    }

    private static ExecResult result(ExecChannel.Ending end, long startedNanos) {
        byte[] stderr = end.stderr().getBytes(StandardCharsets.UTF_8);
        int code = end.exitCode();
        return new ExecResult(code, null, code == 124, false, false, false,
                Duration.ofNanos(System.nanoTime() - startedNanos), CapturedOutput.EMPTY,
                new CapturedOutput(stderr, new byte[0], stderr.length), null);
    }

    private static String why(ExecChannel.Ending end) {
        if (end.failure() != null) {
            return PodCallException.describe(end.failure());
        }
        return "the stream closed without an exit status";
    }

    /** A timeout for GNU timeout, in seconds with milliseconds, never 0 (which would mean none). */
    private static String seconds(Duration timeout) {
        long millis = Math.max(1, timeout.toMillis());
        return millis / 1000 + "." + String.format(java.util.Locale.ROOT, "%03d", millis % 1000);
    }

    private static String quoted(List<String> paths) {
        StringBuilder text = new StringBuilder();
        paths.forEach(p -> text.append(' ').append(PodScripts.quote(p)));
        return text.toString();
    }
}
