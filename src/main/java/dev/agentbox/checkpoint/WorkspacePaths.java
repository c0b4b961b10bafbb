package dev.agentbox.checkpoint;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.agentbox.toolcall.Reason;
import dev.agentbox.toolcall.ToolFailure;

/**
 * The paths a checkpoint holds or a restore replaces, as the sandbox SPI takes them: relative to the workspace,
 * normalized, without duplicates or paths below other given paths. Whether a symlink in a path leads out of the
 * workspace is checked again inside the sandbox, where the symlinks are.
 */
final class WorkspacePaths {

    static final String WORKSPACE = "/workspace";
    static final int MAX_PATHS = 100;
    private static final int MAX_PATH_LENGTH = 4096;

    private WorkspacePaths() {
    }

    /**
     * @param given paths relative to {@code /workspace} or absolute under it
     * @return the normalized relative paths; empty when they amount to the whole workspace (none given, or one of
     *         them is the workspace itself)
     * @throws ToolFailure {@code INVALID_ARGUMENT}, {@code INPUT_TOO_LARGE} or {@code PATH_OUTSIDE_WORKSPACE}
     */
    static List<String> normalize(List<String> given) {
        if (given.size() > MAX_PATHS) {
            throw ToolFailure.tooLarge(given.size() + " paths given; the limit is " + MAX_PATHS
                    + " (give their common parent directory instead).");
        }
        List<Path> paths = new ArrayList<>();
        for (String path : given) {
            Path relative = relative(path);
            if (relative.toString().isEmpty()) {
                return List.of();
            }
            paths.add(relative);
        }
        List<String> kept = new ArrayList<>();
        for (Path path : paths) {
            boolean covered = paths.stream().anyMatch(other -> !other.equals(path) && path.startsWith(other));
            if (!covered && !kept.contains(path.toString())) {
                kept.add(path.toString());
            }
        }
        return List.copyOf(kept);
    }

    /**
     * @return whether {@code path} is one of {@code roots} or lies below one of them
     */
    static boolean within(String path, List<String> roots) {
        Path candidate = Path.of(path);
        return roots.stream().anyMatch(root -> candidate.startsWith(Path.of(root)));
    }

    private static Path relative(String path) {
        if (path.isEmpty()) {
            throw ToolFailure.invalid("A path is empty; give paths relative to /workspace or absolute under it.");
        }
        if (path.length() > MAX_PATH_LENGTH) {
            throw ToolFailure.tooLarge("A path is " + path.length() + " characters; the limit is " + MAX_PATH_LENGTH
                    + ".");
        }
        if (path.indexOf('\0') >= 0) {
            throw ToolFailure.invalid("A path contains a NUL character.");
        }
        Path normalized;
        try {
            Path parsed = Path.of(path);
            normalized = parsed.isAbsolute() ? Path.of("/").relativize(parsed.normalize()) : parsed.normalize();
        } catch (InvalidPathException e) {
            throw ToolFailure.invalid("'" + path + "' is not a valid path: " + e.getReason() + ".");
        }
        if (Path.of(path).isAbsolute()) {
            if (!normalized.startsWith("workspace")) {
                throw outside(path);
            }
            normalized = Path.of("workspace").relativize(normalized);
        }
        if (normalized.startsWith("..")) {
            throw outside(path);
        }
        return normalized;
    }

    private static ToolFailure outside(String path) {
        return new ToolFailure(Reason.PATH_OUTSIDE_WORKSPACE, "'" + path + "' is outside " + WORKSPACE
                + "; checkpoints hold workspace paths only.");
    }
}
