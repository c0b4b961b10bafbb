package dev.agentbox.files;

/**
 * The shell programs behind the file tools. They run inside the conversation's sandbox as its user, so the kernel
 * only lets them reach what the sandbox itself can reach; on top of that each resolves its path (symlinks included)
 * and refuses anything that lands outside {@code /workspace}. Results and failures come back as exit codes and
 * output that {@link WorkspaceFiles} reads.
 */
final class FileScripts {

    /** An argument is unusable; stderr says why. */
    static final int INVALID = 90;
    /** The path resolves outside the workspace; stderr has the resolved path. */
    static final int OUTSIDE = 91;
    static final int NOT_FOUND = 92;
    static final int IS_DIRECTORY = 93;
    /** The file is over the size limit; stderr has its size. */
    static final int TOO_LARGE = 94;
    static final int BINARY = 95;
    /** A path component is not a directory (or a directory could not be made); stderr says which. */
    static final int NOT_DIRECTORY = 96;
    /** The file changed between reading and writing it back. */
    static final int CHANGED = 97;
    /** Not a regular file (a device, a pipe, a socket). */
    static final int NOT_REGULAR = 98;
    /** Permission denied. */
    static final int DENIED = 99;
    /** Writing the content failed; stderr says why (for example no space left). */
    static final int WRITE_FAILED = 100;
    /** The regular expression does not compile; stderr has grep's complaint. */
    static final int BAD_PATTERN = 101;

    private static final String PROLOGUE = """
            set -u
            ws=/workspace
            die() { printf '%s' "$2" >&2; exit "$1"; }
            # Sets r to the path with every symlink, '.' and '..' resolved. Without a symlink on the way the text alone
            # resolves it, with builtins; at the first symlink realpath takes over.
            resolve() {
                local p=$1 rest part
                [[ $p == /* ]] || p=$ws/$p
                r= rest=$p/
                while [[ -n $rest ]]; do
                    part=${rest%%/*} rest=${rest#*/}
                    case $part in
                    '' | .) ;;
                    ..) r=${r%/*} ;;
                    *)
                        r=$r/$part
                        if [[ -L $r ]]; then r=$(realpath -m -- "$p" 2>&1) || die 90 "$r"; break; fi
                        ;;
                    esac
                done
                r=${r:-/}
                [[ $r == "$ws" || $r == "$ws"/* ]] || die 91 "$r"
            }
            """;

    /**
     * Args: path, first line, line limit (0: all), byte cap, size limit. Prints the resolved path and size, then the
     * lines. Every process counts (each costs a fork and an exec in the sandbox), so the checks are builtins where bash
     * has them, and a whole small file read from its start is one {@code cat}.
     */
    static final String READ = PROLOGUE + """
            resolve "$1"
            [[ -e $r ]] || die 92 "$r"
            [[ -d $r ]] && die 93 "$r"
            [[ -f $r ]] || die 98 "$r"
            [[ -r $r ]] || die 99 "$r"
            size=$(stat -c %s -- "$r") || die 90 "cannot stat $r"
            (( size > $5 )) && die 94 "$size"
            # Binary when a NUL is among the first 8 KiB: read stops at it, successfully, with fewer than 8192 read.
            if IFS= read -r -d '' -n 8192 start < "$r" && (( ${#start} < 8192 )); then die 95 "$r"; fi
            printf '%s\\n%s\\n' "$r" "$size"
            if (( $2 == 1 && size <= $4 )); then exec cat -- "$r"; fi
            if (( $2 > 1 )); then tail -n "+$2" -- "$r"; else cat -- "$r"; fi \\
                | if (( $3 > 0 )); then head -n "$3"; else cat; fi | head -c "$4"
            """;

    /**
     * Args: path, expected SHA-256 of the current content (or empty). Stdin: the content. Prints the resolved path and whether
     * the file existed. The content goes to a new file beside the target (created exclusively, noclobber), which then
     * replaces it; an existing file's permissions carry over.
     */
    static final String WRITE = PROLOGUE + """
            resolve "$1"
            [[ -d $r ]] && die 93 "$r"
            [[ -e $r && ! -f $r ]] && die 98 "$r"
            if [[ -n $2 ]]; then
                current=$(sha256sum -- "$r" 2>/dev/null) || die 97 "$r"
                [[ ${current%% *} == "$2" ]] || die 97 "$r"
            fi
            dir=${r%/*}
            if [[ ! -d $dir ]]; then err=$(mkdir -p -- "$dir" 2>&1) || die 96 "$err"; fi
            existed=no
            [[ -e $r ]] && existed=yes
            umask 022
            tmp=$dir/.agentbox-write.$$.$RANDOM$RANDOM
            # Created exclusively (noclobber) without a subshell; only a failure pays for one, to say why.
            set -C
            if ! { : > "$tmp"; } 2>/dev/null; then
                err=$({ : > "$tmp"; } 2>&1)
                [[ $err == *"No space left"* ]] && die 100 "$err"
                die 99 "cannot create a file in $dir: ${err##*: }"
            fi
            set +C
            if ! err=$(cat 2>&1 > "$tmp"); then rm -f -- "$tmp"; die 100 "${err:-the write was interrupted}"; fi
            if [[ $existed == yes ]]; then chmod --reference="$r" -- "$tmp"; fi
            err=$(mv -f -T -- "$tmp" "$r" 2>&1) || { rm -f -- "$tmp"; die 100 "$err"; }
            printf '%s\\n%s\\n' "$r" "$existed"
            """;

    /** Args: path, depth, scan limit. Prints the resolved path, then type, size and relative path per entry, NUL-ended. */
    static final String LIST = PROLOGUE + """
            resolve "$1"
            [[ -e $r ]] || die 92 "$r"
            [[ -d $r ]] || die 96 "$r"
            printf '%s\\n' "$r"
            timeout 20 find "$r" -mindepth 1 -maxdepth "$2" \\
                \\( -name .git -o -name node_modules \\) -prune -printf '%y\\t%s\\t%P\\0' -o -printf '%y\\t%s\\t%P\\0' \\
                2>/dev/null | head -z -n "$3"
            """;

    /** Args: regex, path, file-name glob (or empty), result limit. Prints the resolved path, then grep's matches. */
    static final String SEARCH = PROLOGUE + """
            resolve "$2"
            [[ -e $r ]] || die 92 "$r"
            err=$(LC_ALL=C.UTF-8 grep -qP -e "$1" </dev/null 2>&1); [[ $? == 2 ]] && die 101 "${err#grep: }"
            printf '%s\\n' "$r"
            args=(-rnIHZ -P --color=never --exclude-dir=.git)
            [[ -n $3 ]] && args+=("--include=$3")
            LC_ALL=C.UTF-8 timeout 20 grep "${args[@]}" -e "$1" -- "$r" 2>/dev/null | head -n "$4"
            exit "${PIPESTATUS[0]}"
            """;

    private FileScripts() {
    }
}
