package dev.agentbox.sandbox;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The programs behind workspace archives, for backends that run them inside a sandbox as its user: GNU tar and bash,
 * which every sandbox image has. Running them there, rather than reading the workspace from the server, is what keeps
 * a hostile workspace harmless: they reach exactly what the sandbox's user reaches, so no symlink, hard link, device
 * or race can make them read or write a file of the host.
 * <p>
 * The archive format: POSIX tar (pax) as GNU tar writes it; members named relative to the workspace; every owner
 * stored as 0 (a restore gives files to the restoring conversation's user); setuid and setgid bits dropped (no
 * sandbox honours them, and no copy of a checkpoint should carry them); symlinks stored as symlinks, never followed;
 * hard links within the archive kept; FIFOs kept; sparse files kept sparse; sockets skipped.
 */
public final class ArchiveScripts {

    /** Exit code: the workspace cannot be entered. */
    public static final int NO_WORKSPACE = 90;
    /** Exit code: a path leads out of the workspace through a symlink; stderr has the path. */
    public static final int OUTSIDE = 91;
    /** Exit code: a path does not exist; stderr has the path. */
    public static final int NOT_FOUND = 92;
    /** Exit code: the workspace could not be copied or a replaced path removed; stderr says why. */
    public static final int PREPARE_FAILED = 93;
    /** The signal a process gets when it writes past its file size limit. */
    public static final int SIGXFSZ = 25;

    private static final String PROLOGUE = """
            set -u -o pipefail
            ws=/workspace
            cd "$ws" || exit 90
            inside() {
                local r
                r=$(realpath -m -- "$ws/$(dirname -- "$1")") || return 1
                [[ $r == "$ws" || $r == "$ws"/* ]]
            }
            """;

    /**
     * Writes the archive to stdout. Args: the paths (none: the whole workspace). Exit 0, or 1 when files changed
     * while they were read (tar's warning), else a failure.
     */
    public static final String ARCHIVE = PROLOGUE + """
            for p; do
                inside "$p" || { printf '%s' "$p" >&2; exit 91; }
                [[ -e $p || -L $p ]] || { printf '%s' "$p" >&2; exit 92; }
            done
            if (( $# == 0 )); then
                find . -mindepth 1 -maxdepth 1 -printf '%P\\0' | LC_ALL=C sort -z
            else
                printf '%s\\0' "$@"
            fi | LC_ALL=C tar --create --file=- --format=posix \\
                --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime --sparse --sort=name \\
                --numeric-owner --owner=0 --group=0 --mode=ug-s --null --verbatim-files-from --files-from=-
            status=("${PIPESTATUS[@]}")
            (( status[0] != 0 )) && exit 2
            exit "${status[1]}"
            """;

    /**
     * Extracts the archive from stdin into {@code /workspace}, which must be empty. Args: the paths replaced (none:
     * everything). With paths, {@code /source} must be the current workspace (read-only): it is copied first, then the
     * paths are removed and extracted from the archive. Setuid and setgid bits are cleared afterwards, also on files an
     * archive of other origin might carry.
     */
    public static final String EXTRACT = PROLOGUE + """
            if (( $# > 0 )); then
                err=$(cp -a /source/. "$ws"/ 2>&1) || { printf '%s' "$err" >&2; exit 93; }
                for p; do
                    inside "$p" || { printf '%s' "$p" >&2; exit 91; }
                    err=$(rm -rf -- "${ws:?}/$p" 2>&1) || { printf '%s' "$err" >&2; exit 93; }
                done
            fi
            LC_ALL=C tar --extract --file=- --directory="$ws" --no-same-owner --preserve-permissions \\
                --delay-directory-restore -- "$@" || exit
            find "$ws" -xdev -perm /6000 ! -type l -exec chmod ug-s -- {} + 2>/dev/null || true
            """;

    private ArchiveScripts() {
    }

    /**
     * @return the argv that runs a script with bash, the paths as its arguments
     */
    public static List<String> argv(String script, List<String> paths) {
        List<String> argv = new ArrayList<>(List.of("bash", "-c", script, "agentbox-transfer"));
        argv.addAll(paths);
        return argv;
    }

    /**
     * Reads how an {@link #ARCHIVE} run ended.
     *
     * @param result the exec's result (stdout went to the archive; stderr is tar's)
     * @param maxBytes the limit the archive was written under
     * @return the warnings of a successful run
     * @throws WorkspaceTransferException when it failed
     */
    public static List<String> archiveOutcome(ExecResult result, long maxBytes) {
        String stderr = text(result.stderr());
        if (result.startError() != null) {
            throw new WorkspaceTransferException(result.startError().startsWith("open stdout")
                    ? WorkspaceTransferException.Kind.TARGET_UNWRITABLE
                    : WorkspaceTransferException.Kind.FAILED, "The archiver could not start: " + result.startError());
        }
        common(result, stderr, "archive", maxBytes);
        Integer code = result.exitCode();
        if (code != null && (code == 0 || code == 1)) {
            return code == 0 ? List.of() : lines(stderr, 5);
        }
        // A short write to the archive (a regular file, whose size limit would have raised SIGXFSZ instead) is what
        // tar reports when the destination fills up between two writes.
        if (stderr.contains("No space left on device") || stderr.contains(": Wrote only ")) {
            throw new WorkspaceTransferException(WorkspaceTransferException.Kind.NO_SPACE,
                    "The archive's destination has no space left (" + lastLines(stderr) + ").");
        }
        throw new WorkspaceTransferException(WorkspaceTransferException.Kind.FAILED,
                "tar could not archive the workspace (exit " + result.shellExitCode() + "): " + lastLines(stderr));
    }

    /**
     * Reads how an {@link #EXTRACT} run ended.
     *
     * @throws WorkspaceTransferException when it failed
     */
    public static void extractOutcome(ExecResult result) {
        String stderr = text(result.stderr());
        if (result.startError() != null) {
            throw new WorkspaceTransferException(WorkspaceTransferException.Kind.FAILED,
                    "The extractor could not start: " + result.startError());
        }
        common(result, stderr, "restore", 0);
        if (Integer.valueOf(0).equals(result.exitCode())) {
            return;
        }
        if (stderr.contains("Not found in archive")) {
            throw new WorkspaceTransferException(WorkspaceTransferException.Kind.NOT_FOUND,
                    "The checkpoint does not hold " + notFound(stderr) + ".");
        }
        if (stderr.contains("No space left on device") || stderr.contains("Disk quota exceeded")) {
            throw new WorkspaceTransferException(WorkspaceTransferException.Kind.NO_SPACE,
                    "The workspace has no space left for the restored files: " + lastLine(stderr));
        }
        if (stderr.contains("File too large")) {
            throw new WorkspaceTransferException(WorkspaceTransferException.Kind.TOO_LARGE,
                    "A file in the checkpoint is larger than a sandbox may write: " + lastLine(stderr));
        }
        String what = Integer.valueOf(PREPARE_FAILED).equals(result.exitCode())
                ? "The workspace could not be prepared for the restore: "
                : "tar could not extract the checkpoint (exit " + result.shellExitCode() + "): ";
        throw new WorkspaceTransferException(WorkspaceTransferException.Kind.FAILED, what + lastLines(stderr));
    }

    private static void common(ExecResult result, String stderr, String what, long maxBytes) {
        if (result.timedOut()) {
            throw new WorkspaceTransferException(WorkspaceTransferException.Kind.TIMEOUT,
                    "The " + what + " ran past its timeout of " + result.duration().toSeconds() + " s and was stopped.");
        }
        if (Integer.valueOf(SIGXFSZ).equals(result.signal())
                || Integer.valueOf(128 + SIGXFSZ).equals(result.exitCode())) {
            throw new WorkspaceTransferException(WorkspaceTransferException.Kind.TOO_LARGE, maxBytes > 0
                    ? "The archive grew past its limit of " + maxBytes + " bytes."
                    : "A file in the checkpoint is larger than a sandbox may write.");
        }
        if (Integer.valueOf(OUTSIDE).equals(result.exitCode())) {
            throw new WorkspaceTransferException(WorkspaceTransferException.Kind.OUTSIDE_WORKSPACE,
                    "'" + stderr + "' leads outside /workspace through a symlink.");
        }
        if (Integer.valueOf(NOT_FOUND).equals(result.exitCode())) {
            throw new WorkspaceTransferException(WorkspaceTransferException.Kind.NOT_FOUND,
                    "'" + stderr + "' does not exist in /workspace.");
        }
        if (Integer.valueOf(NO_WORKSPACE).equals(result.exitCode())) {
            throw new WorkspaceTransferException(WorkspaceTransferException.Kind.FAILED,
                    "/workspace cannot be entered in the sandbox.");
        }
    }

    private static String notFound(String stderr) {
        List<String> missing = new ArrayList<>();
        for (String line : stderr.split("\n")) {
            int at = line.indexOf(": Not found in archive");
            if (at > 0 && line.startsWith("tar: ")) {
                missing.add("'" + line.substring(5, at) + "'");
            }
        }
        return missing.isEmpty() ? "the paths asked for"
                : String.join(", ", missing.subList(0,
                        Math.min(5, missing.size())));
    }

    private static String text(CapturedOutput output) {
        return new String(output.head(), StandardCharsets.UTF_8).strip()
                + (output.tail().length > 0 ? "\n" + new String(output.tail(), StandardCharsets.UTF_8).strip() : "");
    }

    private static List<String> lines(String text, int max) {
        return Arrays.stream(text.split("\n")).map(String::strip).filter(l -> !l.isEmpty()).limit(max)
                .map(l -> l.length() > 300 ? l.substring(0, 300) + "..." : l).toList();
    }

    private static String lastLine(String text) {
        String[] all = text.split("\n");
        String last = all[all.length - 1].strip();
        return last.length() > 300 ? last.substring(0, 300) + "..." : last;
    }

    private static String lastLines(String text) {
        List<String> all = lines(text, Integer.MAX_VALUE);
        if (all.isEmpty()) {
            return "no message";
        }
        return String.join("; ", all.subList(Math.max(0, all.size() - 3), all.size()));
    }
}
