package dev.agentbox.sandbox.kubernetes;

import java.util.Collection;
import java.util.List;

import dev.agentbox.sandbox.records.ExecRecord;

/**
 * The POSIX shell programs the backend runs in a sandbox pod, one exec each. Every exec has the same short command
 * ({@link #BOOT}, it travels in the URL); the program itself and its data follow on stdin, each with its exact length,
 * so that nothing waits for an end of input that the exec API cannot send. Programs answer in the format
 * {@link ReplyParser} reads and use nothing but {@code sh}, GNU coreutils and the exec helper.
 * <p>
 * An exec's record lives in {@code /var/lib/agentbox/execs/<id>} on the workspace claim and has the same files as on
 * the local backend ({@code docs/exec-helper.md}): {@code exec.json}, {@code stdin}, {@code supervisor},
 * {@code stdout}, {@code stderr}, {@code exit}, plus {@code helper.log}.
 */
final class PodScripts {

    /** The command of every exec: a length line, then that many bytes of program, which is run. */
    static final List<String> BOOT = List.of("/bin/sh", "-c", "IFS= read -r n && eval \"$(head -c \"$n\")\"");

    static final String EXECS = PodTemplates.RECORDS + "/execs";

    /** Functions every program starts with. */
    private static final String PROLOGUE = """
            export LC_ALL=C
            R=%s
            # Sets st to the state of the record in $1 (ended, running, starting or lost) and sp to its supervisor.
            probe() {
                sp=
                if [ -e "$1/exit" ]; then st=ended; return 0; fi
                if [ ! -f "$1/supervisor" ]; then
                    if [ -n "$(find "$1/exec.json" -mmin -0.5 2>/dev/null)" ]; then st=starting; else st=lost; fi
                    return 0
                fi
                st=lost
                IFS=' ' read -r sp ss 2>/dev/null < "$1/supervisor" || return 0
                IFS= read -r sl 2>/dev/null < "/proc/$sp/stat" || return 0
                sl=${sl##*) }
                set -- $sl
                [ "${20:-}" = "$ss" ] && st=running
                return 0
            }
            # Prints the one-line file $2 as "$1 <length>" and the line.
            line() {
                if IFS= read -r l 2>/dev/null < "$2"; then
                    printf '%%s %%s\\n%%s' "$1" "${#l}" "$l"
                else
                    printf '%%s 0\\n' "$1"
                fi
            }
            # Sets n to the number after "$2": in the JSON line $1, 0 when absent.
            num() {
                n=${1#*\\"$2\\":}
                n=${n%%%%[,\\}]*}
                case $n in ''|*[!0-9]*) n=0 ;; esac
            }
            # Prints the used regions of capture file $1 ($2 bytes in all, capacities $3 and $4; - reads the header).
            region() {
                f=$1 t=$2 hc=$3 tc=$4
                if [ "$hc" = - ]; then
                    set -- $(od -An -tu8 -j8 -N24 -- "$f" 2>/dev/null)
                    if [ $# -eq 3 ]; then t=$1 hc=$2 tc=$3; else t=0 hc=0 tc=0; fi
                fi
                h=$t; [ "$h" -gt "$hc" ] && h=$hc
                r=$((t - hc)); [ "$r" -lt 0 ] && r=0; [ "$r" -gt "$tc" ] && r=$tc
                printf 'O %%s %%s %%s %%s %%s\\n' "$t" "$hc" "$tc" "$h" "$r"
                [ "$h" -eq 0 ] || dd if="$f" iflag=skip_bytes,count_bytes skip=32 count="$h" bs=65536 status=none
                [ "$r" -eq 0 ] || dd if="$f" iflag=skip_bytes,count_bytes skip=$((32 + hc)) count="$r" bs=65536 status=none
                return 0
            }
            # Prints how the exec of record $1 ended: its exit record and both outputs, or what its helper logged.
            # $2 and $3 are the capture capacities (- when unknown), $4 the helper's exit status (- when unknown).
            result() {
                if IFS= read -r x 2>/dev/null < "$1/exit"; then
                    printf 'X %%s\\n%%s' "${#x}" "$x"
                    if [ "$2" = - ]; then
                        region "$1/stdout" 0 - -; region "$1/stderr" 0 - -
                    else
                        num "$x" stdoutBytes; region "$1/stdout" "$n" "$2" "$3"
                        num "$x" stderrBytes; region "$1/stderr" "$n" "$2" "$3"
                    fi
                else
                    printf 'X 0\\n'
                    if [ -f "$1/helper.log" ]; then g=$(tail -c 2000 "$1/helper.log"); printf 'L %%s\\n%%s' "${#g}" "$g"; fi
                    printf 'H %%s\\n' "$4"
                fi
            }
            # Prints the byte counts of both outputs of record $1 as a T line.
            totals() {
                set -- "$1" $(od -An -tu8 -j8 -N8 -- "$1/stdout" 2>/dev/null)
                o=${2:-0}
                set -- "$1" $(od -An -tu8 -j8 -N8 -- "$1/stderr" 2>/dev/null)
                printf 'T %%s %%s\\n' "$o" "${2:-0}"
            }
            # Removes the records of discarded execs.
            forget() {
                for x in "$@"; do rm -rf -- "$R/$x"; done
            }
            """
            .formatted(EXECS);

    private PodScripts() {
    }

    /**
     * The program that starts an exec: removes discarded records, writes the record ({@code exec.json} and
     * {@code stdin}, read from stdin after the program), prints {@code S}, runs the helper in the foreground and
     * prints the result. The helper detaches itself (own session, SIGHUP and SIGPIPE ignored), so a dropped stream
     * leaves it running to write its record.
     *
     * @param id the exec id
     * @param recordLength bytes of {@code exec.json} on stdin
     * @param stdinLength bytes of the command's stdin on stdin, after the record
     * @param helperArguments the helper's {@code run} options, up to and including {@code --} and the command
     * @param captureHead the head capacity of the capture files
     * @param captureTail the tail capacity of the capture files
     * @param discarded exec ids whose records can go
     */
    static String launch(String id, int recordLength, int stdinLength, String helper, List<String> helperArguments,
            int captureHead, int captureTail, Collection<String> discarded) {
        StringBuilder args = new StringBuilder();
        for (String argument : helperArguments) {
            args.append(' ').append(quote(argument));
        }
        return PROLOGUE
                + """
                                forget %s
                                d=$R/%s
                                [ -d "$R" ] || mkdir -p -- "$R" 2>/dev/null
                        if ! e=$(mkdir -- "$d" 2>&1); then printf 'E %%s\\n' "cannot create the exec record: $e"; exit 0; fi
                                if ! head -c %d > "$d/exec.json" || { [ %d -gt 0 ] && ! head -c %d > "$d/stdin"; }; then
                                    rm -rf -- "$d"
                                    printf 'E %%s\\n' "cannot write the exec record (is the workspace volume full?)"
                                    exit 0
                                fi
                                cg=
                                [ -r /sys/fs/cgroup/memory.events ] && cg="--oom-file /sys/fs/cgroup/memory.events"
                                [ -r /sys/fs/cgroup/pids.events ] && cg="$cg --pids-file /sys/fs/cgroup/pids.events"
                                printf 'S\\n'
                                %s run --record "$d" $cg%s < /dev/null > "$d/helper.log" 2>&1
                                result "$d" %d %d $?
                                printf 'Z\\n'
                                """
                        .formatted(ids(discarded), checkId(id), recordLength, stdinLength, stdinLength, quote(helper), args,
                                captureHead, captureTail);
    }

    /**
     * The program that waits until an exec ends and prints its result: used when the stream that started it broke,
     * and for execs started by another server process. Prints a keep-alive line every minute or so.
     *
     * @param captureHead the head capacity, or -1 when unknown
     */
    static String await(String id, int captureHead, int captureTail) {
        String capacities = captureHead < 0 ? "- -" : captureHead + " " + captureTail;
        return PROLOGUE + """
                d=$R/%s
                [ -f "$d/exec.json" ] || { printf 'E %%s\\n' "the exec's record is gone"; exit 0; }
                i=0
                while [ ! -e "$d/exit" ]; do
                    probe "$d"
                    case $st in running|starting) ;; *) break ;; esac
                    if [ $i -lt 50 ]; then sleep 0.1; else sleep 1; fi
                    i=$((i + 1))
                    [ $((i %% 60)) -eq 0 ] && printf 'K\\n'
                done
                result "$d" %s -
                printf 'Z\\n'
                """.formatted(checkId(id), capacities);
    }

    /**
     * The program that lists exec records: for each, a {@code J} item with its state and {@code exec.json}, then its
     * exit record ({@code X}) when it ended or its output totals ({@code T}) while it runs.
     *
     * @param only the ids to look at, or empty for every record
     * @param discarded exec ids whose records can go first
     */
    static String scan(Collection<String> only, Collection<String> discarded) {
        String pattern = only.isEmpty() ? "????????????" : ids(only);
        return PROLOGUE + """
                forget %s
                cd "$R" 2>/dev/null || { printf 'Z\\n'; exit 0; }
                for x in %s; do
                    case $x in *[!a-z2-9]*) continue ;; esac
                    IFS= read -r j 2>/dev/null < "$x/exec.json" || continue
                    probe "$x"
                    printf 'J %%s %%s %%s\\n%%s' "$x" "$st" "${#j}" "$j"
                    case $st in
                        ended) line X "$x/exit" ;;
                        running|starting) totals "$x" ;;
                    esac
                done
                printf 'Z\\n'
                """.formatted(ids(discarded), pattern);
    }

    /**
     * The program that reads one output stream of an exec: its state ({@code R}), its exit record when it ended
     * ({@code X}), and the capture file's used regions ({@code O}).
     */
    static String output(String id, boolean stderr) {
        return PROLOGUE + """
                d=$R/%s
                [ -f "$d/exec.json" ] || { printf 'E %%s\\n' "the exec's record is gone"; exit 0; }
                probe "$d"
                printf 'R %%s\\n' "$st"
                [ "$st" = ended ] && line X "$d/exit"
                region "$d/%s" 0 - -
                printf 'Z\\n'
                """.formatted(checkId(id), stderr ? "stderr" : "stdout");
    }

    /**
     * The program that reads how an ended exec ended, with both outputs.
     */
    static String ending(String id) {
        return PROLOGUE + """
                d=$R/%s
                [ -f "$d/exec.json" ] || { printf 'E %%s\\n' "the exec's record is gone"; exit 0; }
                result "$d" - - -
                printf 'Z\\n'
                """.formatted(checkId(id));
    }

    /**
     * The program that kills an exec: a running one through its supervisor (SIGTERM: the supervisor kills the whole
     * tree and records that it did), an ended one by killing what is left of its session and process group.
     */
    static String kill(String id) {
        return PROLOGUE + """
                d=$R/%s
                [ -f "$d/exec.json" ] || { printf 'E %%s\\n' "the exec's record is gone"; exit 0; }
                probe "$d"
                i=0
                while [ "$st" = starting ] && [ $i -lt 30 ]; do sleep 0.1; probe "$d"; i=$((i + 1)); done
                if [ "$st" = running ]; then
                    kill -TERM "$sp" 2>/dev/null
                elif [ "$st" = ended ]; then
                    IFS= read -r x < "$d/exit"
                    num "$x" childPid
                    c=$n
                    if [ "$c" -gt 1 ]; then
                        for s in /proc/[0-9]*/stat; do
                            IFS= read -r l 2>/dev/null < "$s" || continue
                            p=${l%%%% *}
                            l=${l##*) }
                            set -- $l
                            if [ "$3" = "$c" ] || [ "$4" = "$c" ]; then kill -KILL "$p" 2>/dev/null; fi
                        done
                    fi
                fi
                printf 'R %%s\\n' "$st"
                printf 'Z\\n'
                """.formatted(checkId(id));
    }

    /**
     * The program run before a pod is deleted: asks every running exec's supervisor to kill its tree, and waits up to
     * 3 s for their exit records, so that the records say the jobs were killed rather than that a signal ended them.
     */
    static String stopAll() {
        return PROLOGUE + """
                cd "$R" 2>/dev/null || { printf 'Z\\n'; exit 0; }
                w=
                for x in ????????????; do
                    [ -d "$x" ] || continue
                    probe "$x"
                    if [ "$st" = running ] && kill -TERM "$sp" 2>/dev/null; then w="$w $x"; fi
                done
                i=0
                for x in $w; do
                    while [ ! -e "$x/exit" ] && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
                done
                printf 'Z\\n'
                """;
    }

    /**
     * The program that removes exec records.
     */
    static String forget(Collection<String> ids) {
        return PROLOGUE + "forget " + ids(ids) + "\nprintf 'Z\\n'\n";
    }

    /**
     * @return whether a string is an exec id as the backend makes them
     */
    static boolean isExecId(String id) {
        return ExecRecord.isId(id);
    }

    private static String checkId(String id) {
        if (!isExecId(id)) {
            throw new IllegalArgumentException("not an exec id: " + id);
        }
        return id;
    }

    private static String ids(Collection<String> ids) {
        return String.join(" ", ids.stream().map(PodScripts::checkId).toList());
    }

    /**
     * @return the text as one single-quoted shell word
     */
    static String quote(String text) {
        return "'" + text.replace("'", "'\\''") + "'";
    }
}
