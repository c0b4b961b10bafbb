package dev.agentbox.checkpoint;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import dev.agentbox.toolcall.ToolParam;
import dev.agentbox.toolcall.ToolSet;
import dev.agentbox.toolcall.ToolSpec;

/**
 * The checkpoint tools: {@code persist}, {@code list_checkpoints}, {@code restore} and {@code delete_checkpoint}.
 */
@ApplicationScoped
public class CheckpointTools implements ToolSet {

    private static final String NAME = "1 to 64 letters, digits and . _ - (no / or spaces), starting with a letter "
            + "or digit";

    private final Checkpoints checkpoints;
    private final CheckpointConfig config;

    CheckpointTools(Checkpoints checkpoints, CheckpointConfig config) {
        this.checkpoints = checkpoints;
        this.config = config;
    }

    @Override
    public int order() {
        return 40;
    }

    @Override
    public List<ToolSpec> tools() {
        long maxMib = config.maxSize().asLongValue() >> 20;
        long quotaMib = config.maxTotalSize().asLongValue() >> 20;
        return List.of(
                new ToolSpec("persist", "Save a checkpoint", """
                        Saves this conversation's /workspace, or chosen paths in it, as a named, immutable \
                        checkpoint outside the sandbox: it survives the sandbox, server restarts and the \
                        conversation, and restore brings it back here or into another conversation. Files keep \
                        their content, permissions (without setuid/setgid), times and symlinks; symlinks are \
                        stored as links, never followed; /tmp and the home directory are not saved. A \
                        checkpoint may be at most %d MiB (INPUT_TOO_LARGE); all checkpoints together at most \
                        %d MiB (QUOTA_EXCEEDED); the newest %d are kept and any older than %d days deleted. \
                        Files that change while being saved are reported as warnings. A taken name gets \
                        ALREADY_EXISTS. Takes up to %d s.""".formatted(maxMib, quotaMib, config.maxCount(),
                        config.maxAge().toDays(), config.timeout().toSeconds()),
                        List.of(ToolParam.required("name", String.class, "The checkpoint's name: " + NAME + "."),
                                ToolParam.optional("paths", List.class, "Paths to save, relative to /workspace or "
                                        + "absolute under it (at most " + WorkspacePaths.MAX_PATHS + "); default: "
                                        + "the whole workspace.")),
                        false,
                        (call, args) -> checkpoints.persist(call.conversation(), args.string("name"),
                                args.strings("paths"))),
                new ToolSpec("list_checkpoints", "List checkpoints", """
                        Lists the checkpoints this conversation can restore, newest first, with size, SHA-256, \
                        time, the conversation each was made in and the paths it holds, and how much of the \
                        %d MiB quota is used. A forked conversation sees only the checkpoints made in itself \
                        and its own forks.""".formatted(quotaMib), List.of(), true,
                        (call, args) -> checkpoints.list(call.conversation())),
                new ToolSpec("restore", "Restore a checkpoint", """
                        Restores a checkpoint into this conversation's /workspace, atomically: the paths the \
                        checkpoint holds (or the chosen ones among them) replace the same paths of the workspace, \
                        as they were when saved; a checkpoint of the whole workspace replaces the whole workspace \
                        (files made since are gone). Everything else stays. If the restore fails the workspace is \
                        untouched. The sandbox is restarted: every process running in it (background jobs \
                        included) is killed and /tmp is emptied; job records stay. The checkpoint's checksum is \
                        verified first (CHECKPOINT_CORRUPTED if it does not match). Works with checkpoints made in \
                        other conversations (list_checkpoints shows which); unknown ones get NOT_FOUND. Takes up \
                        to %d s.""".formatted(config.timeout().toSeconds()),
                        List.of(ToolParam.required("checkpoint", String.class, "The checkpoint's name."),
                                ToolParam.optional("paths", List.class, "Only these paths of the checkpoint, "
                                        + "relative to /workspace; default: all it holds.")),
                        false,
                        (call, args) -> checkpoints.restore(call.conversation(), args.string("checkpoint"),
                                args.strings("paths"))),
                new ToolSpec("delete_checkpoint", "Delete a checkpoint", """
                        Deletes a checkpoint this conversation can see, freeing its space in the quota. The \
                        workspace is not touched.""",
                        List.of(ToolParam.required("checkpoint", String.class, "The checkpoint's name.")),
                        false,
                        (call, args) -> checkpoints.delete(call.conversation(), args.string("checkpoint"))));
    }
}
