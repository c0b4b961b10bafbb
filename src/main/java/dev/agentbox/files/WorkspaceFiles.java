package dev.agentbox.files;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import dev.agentbox.conversation.ConversationKey;
import dev.agentbox.conversation.Conversations;
import dev.agentbox.sandbox.ExecRequest;
import dev.agentbox.sandbox.ExecResult;
import dev.agentbox.toolcall.Reason;
import dev.agentbox.toolcall.ToolFailure;
import io.smallrye.mutiny.Uni;

/**
 * The file tools: read, write, edit, list and search files of a conversation's workspace. Every operation runs
 * inside the sandbox as the conversation's user (see {@link FileScripts}), so it sees exactly what the sandbox sees and
 * nothing of the host; paths are resolved there, symlinks included, and must stay under {@code /workspace}.
 */
@ApplicationScoped
public class WorkspaceFiles {

    static final String WORKSPACE = "/workspace";
    private static final int MAX_PATH_LENGTH = 4096;
    private static final int SMALL_OUTPUT = 64 * 1024;
    private static final int SNIPPET_CONTEXT = 3;

    private final Conversations conversations;
    private final FilesConfig config;

    WorkspaceFiles(Conversations conversations, FilesConfig config) {
        this.conversations = conversations;
        this.config = config;
    }

    /**
     * Reads lines of a text file.
     *
     * @param offset the first line, counting from 1; {@code null} for 1
     * @param limit how many lines at most; {@code null} for the configured default
     */
    public Uni<FileResults.Read> read(ConversationKey conversation, String path, Integer offset, Integer limit) {
        return Uni.createFrom().deferred(() -> {
            checkPath(path, "path");
            int first = offset == null ? 1 : offset;
            int count = limit == null ? config.defaultReadLines() : limit;
            if (first < 1) {
                throw ToolFailure.invalid("offset is a line number counting from 1, not " + first + ".");
            }
            if (count < 1 || count > 100_000) {
                throw ToolFailure.invalid("limit must be between 1 and 100000 lines, not " + count + ".");
            }
            int byteCap = config.maxReadChars() * 4 + 1;
            return run(conversation, FileScripts.READ, List.of(path, Integer.toString(first),
                    Integer.toString(count + 1), Integer.toString(byteCap),
                    Long.toString(config.maxReadSize().asLongValue())), null, byteCap + MAX_PATH_LENGTH)
                    .map(exec -> {
                        Header header = header(exec, path, 2);
                        return lines(header, first, count, exec.stdout().droppedBytes() > 0);
                    });
        });
    }

    /**
     * Creates or replaces a file atomically, creating parent directories. An existing file keeps its permissions.
     */
    public Uni<FileResults.Write> write(ConversationKey conversation, String path, String content) {
        return Uni.createFrom().deferred(() -> {
            checkPath(path, "path");
            if (content == null) {
                throw ToolFailure.invalid("content is missing; pass an empty string to write an empty file.");
            }
            byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
            if (bytes.length > config.maxWriteSize().asLongValue()) {
                throw ToolFailure.tooLarge("content is " + bytes.length + " bytes; write_file accepts up to "
                        + config.maxWriteSize().asLongValue() + " bytes per call.");
            }
            return writeBytes(conversation, path, bytes, "").map(
                    header -> new FileResults.Write(header.resolved, bytes.length, header.lines.get(0).equals("no")));
        });
    }

    /**
     * Replaces an exact string in a file: the only occurrence, or every occurrence with {@code replaceAll}.
     */
    public Uni<FileResults.Edit> edit(ConversationKey conversation, String path, String oldString, String newString,
            boolean replaceAll) {
        return Uni.createFrom().deferred(() -> {
            checkPath(path, "path");
            if (oldString == null || oldString.isEmpty()) {
                throw ToolFailure.invalid("old_string is empty; give the exact text to replace (use write_file to "
                        + "create a file).");
            }
            if (newString == null) {
                throw ToolFailure.invalid("new_string is missing; pass an empty string to delete old_string.");
            }
            if (oldString.equals(newString)) {
                throw ToolFailure.invalid("old_string and new_string are the same; nothing would change.");
            }
            return editOnce(conversation, path, oldString, newString, replaceAll)
                    // Another call changed the file between our read and write: redo the edit on its new content.
                    .onFailure(ChangedMeanwhile.class).retry().atMost(2)
                    .onFailure(ChangedMeanwhile.class).transform(e -> ToolFailure.invalid("'" + path
                            + "' kept changing while it was being edited; try again."));
        });
    }

    private Uni<FileResults.Edit> editOnce(ConversationKey conversation, String path, String oldString,
            String newString, boolean replaceAll) {
        long maxSize = config.maxReadSize().asLongValue();
        int byteCap = (int) Math.min(Integer.MAX_VALUE - MAX_PATH_LENGTH, maxSize);
        return run(conversation, FileScripts.READ, List.of(path, "1", "0", Integer.toString(byteCap),
                Long.toString(maxSize)), null, byteCap + MAX_PATH_LENGTH).flatMap(exec -> {
                    Header header = header(exec, path, 2);
                    String text = strictUtf8(header.body, path);
                    int occurrences = count(text, oldString);
                    if (occurrences == 0) {
                        throw ToolFailure.notFound("old_string was not found in " + header.resolved
                                + "; read the file and copy the text exactly, whitespace included.");
                    }
                    if (occurrences > 1 && !replaceAll) {
                        throw new ToolFailure(Reason.NOT_UNIQUE, "old_string occurs " + occurrences + " times in "
                                + header.resolved + "; include more surrounding lines to make it unique, or pass "
                                + "replace_all: true.");
                    }
                    int firstAt = text.indexOf(oldString);
                    String edited = replaceAll ? text.replace(oldString, newString)
                            : text.substring(0, firstAt) + newString + text.substring(firstAt + oldString.length());
                    return writeBytes(conversation, path, edited.getBytes(StandardCharsets.UTF_8), sha256(header.body))
                            .map(written -> new FileResults.Edit(header.resolved, replaceAll ? occurrences : 1,
                                    snippet(edited, firstAt, newString.length())));
                });
    }

    /**
     * Lists a directory tree, or the entries under it whose path matches a glob.
     */
    public Uni<FileResults.Listing> list(ConversationKey conversation, String path, String pattern) {
        return Uni.createFrom().deferred(() -> {
            String dir = path == null || path.isBlank() ? "." : path;
            checkPath(dir, "path");
            PathMatcher matcher = pattern == null || pattern.isBlank() ? null : globMatcher(pattern);
            int depth = matcher == null ? 3 : 25;
            int capture = config.listScanLimit() * 128;
            return run(conversation, FileScripts.LIST, List.of(dir, Integer.toString(depth),
                    Integer.toString(config.listScanLimit())), null, capture).map(exec -> {
                        Header header = header(exec, dir, 1);
                        return listing(header, matcher == null ? null : pattern, matcher,
                                exec.stdout().droppedBytes() > 0);
                    });
        });
    }

    /**
     * Searches file contents with a Perl-compatible regular expression.
     *
     * @param glob a file-name glob that files must match (for example {@code *.java}), or {@code null}
     */
    public Uni<FileResults.Search> search(ConversationKey conversation, String pattern, String path, String glob) {
        return Uni.createFrom().deferred(() -> {
            if (pattern == null || pattern.isEmpty()) {
                throw ToolFailure.invalid("pattern is empty; give a regular expression such as 'class \\w+Test'.");
            }
            if (pattern.length() > 1000) {
                throw ToolFailure.tooLarge("pattern is " + pattern.length() + " characters; the limit is 1000.");
            }
            String dir = path == null || path.isBlank() ? "." : path;
            checkPath(dir, "path");
            int limit = config.maxSearchResults();
            int capture = limit * (config.maxLineChars() * 4 + MAX_PATH_LENGTH);
            return run(conversation, FileScripts.SEARCH, List.of(pattern, dir, glob == null ? "" : glob,
                    Integer.toString(limit + 1)), null, capture).map(exec -> {
                        Header header = header(exec, dir, 1);
                        return matches(pattern, header, limit, exec.exitCode() != null && exec.exitCode() == 124);
                    });
        });
    }

    private Uni<Header> writeBytes(ConversationKey conversation, String path, byte[] bytes, String expectedSha) {
        return run(conversation, FileScripts.WRITE, List.of(path, expectedSha), bytes, SMALL_OUTPUT)
                .map(exec -> header(exec, path, 2));
    }

    private Uni<ExecResult> run(ConversationKey conversation, String script, List<String> args, byte[] stdin,
            int capture) {
        List<String> argv = new ArrayList<>(List.of("/bin/bash", "--noprofile", "--norc", "-c", script,
                "agentbox-files"));
        argv.addAll(args);
        ExecRequest request = new ExecRequest(argv, stdin, WORKSPACE, Map.of(),
                config.operationTimeout().plusSeconds(5), capture, 4096);
        return conversations.withSandbox(conversation, sandbox -> sandbox.start(request)
                .flatMap(exec -> exec.completion().invoke(exec::discard)));
    }

    /** The first lines a script prints (the resolved path and facts), and the bytes after them. */
    private record Header(String resolved, List<String> lines, byte[] body) {
    }

    private Header header(ExecResult exec, String given, int headerLines) {
        checkOutcome(exec, given);
        byte[] out = exec.stdout().head();
        List<String> lines = new ArrayList<>();
        int pos = 0;
        while (lines.size() < headerLines) {
            int nl = indexOf(out, (byte) '\n', pos);
            if (nl < 0) {
                throw new IllegalStateException("A file script printed no header for '" + given + "'");
            }
            lines.add(new String(out, pos, nl - pos, StandardCharsets.UTF_8));
            pos = nl + 1;
        }
        byte[] body = new byte[out.length - pos];
        System.arraycopy(out, pos, body, 0, body.length);
        return new Header(lines.get(0), lines.subList(1, lines.size()), body);
    }

    /** Turns a script's failure exit into the tool error an agent can act on. */
    private void checkOutcome(ExecResult exec, String given) {
        if (exec.timedOut()) {
            throw new ToolFailure(Reason.TIMEOUT, "The file operation on '" + given + "' took longer than "
                    + config.operationTimeout().toSeconds() + " s and was stopped; narrow it to a smaller directory "
                    + "or a more specific pattern, or use bash.");
        }
        int code = exec.exitCode() == null ? -1 : exec.exitCode();
        if (code == 0 || code == 1 || code == 2 || code == 124 || code == 141) {
            // 1, 2, 124 and 141 are grep's "no match", "some files unreadable", the time limit and an early stop.
            return;
        }
        String detail = new String(exec.stderr().head(), StandardCharsets.UTF_8).trim();
        throw switch (code) {
            case FileScripts.OUTSIDE -> new ToolFailure(Reason.PATH_OUTSIDE_WORKSPACE, "'" + given + "' resolves to "
                    + detail + ", outside " + WORKSPACE + "; file tools only reach files under " + WORKSPACE + " (bash can "
                    + "read the rest of the sandbox, e.g. cat).");
            case FileScripts.NOT_FOUND -> ToolFailure.notFound("Nothing exists at '" + given + "' (" + detail
                    + "); list_files shows what is there.");
            case FileScripts.IS_DIRECTORY -> ToolFailure.invalid("'" + given + "' is a directory; use list_files.");
            case FileScripts.TOO_LARGE -> ToolFailure.tooLarge("'" + given + "' is " + detail + " bytes; this tool "
                    + "reads files up to " + config.maxReadSize().asLongValue()
                    + " bytes. Use bash (head, tail, sed -n, grep) on bigger files.");
            case FileScripts.BINARY -> new ToolFailure(Reason.BINARY_FILE, "'" + given + "' is a binary file; "
                    + "inspect it with bash (file, xxd, strings).");
            case FileScripts.NOT_DIRECTORY -> ToolFailure.invalid("'" + given + "': not a directory (" + detail
                    + ").");
            case FileScripts.CHANGED -> new ChangedMeanwhile();
            case FileScripts.NOT_REGULAR -> ToolFailure.invalid("'" + given + "' is not a regular file (it is a "
                    + "device, pipe or socket).");
            case FileScripts.DENIED -> new ToolFailure(Reason.FORBIDDEN, "Permission denied for '" + given + "' ("
                    + detail + ").");
            case FileScripts.WRITE_FAILED -> writeFailure(given, detail);
            case FileScripts.INVALID -> ToolFailure.invalid("'" + given + "': " + detail);
            case FileScripts.BAD_PATTERN -> ToolFailure.invalid("The pattern is not a valid Perl-compatible regular "
                    + "expression: " + detail + ".");
            default -> new IllegalStateException("A file script failed with exit " + exec.shellExitCode()
                    + " for '" + given + "': " + detail);
        };
    }

    private RuntimeException writeFailure(String given, String detail) {
        if (detail.contains("No space left") || detail.contains("Disk quota exceeded")) {
            return new ToolFailure(Reason.DISK_FULL, "The workspace is full; '" + given + "' was not written. "
                    + "Delete files you no longer need.");
        }
        if (detail.contains("File too large")) {
            return ToolFailure.tooLarge("'" + given + "' would exceed the sandbox's largest file size.");
        }
        return ToolFailure.invalid("'" + given + "' could not be written: " + detail);
    }

    private FileResults.Read lines(Header header, int first, int limit, boolean bytesDropped) {
        long size = Long.parseLong(header.lines.get(0));
        String text = new String(header.body, StandardCharsets.UTF_8);
        boolean capped = bytesDropped || header.body.length >= config.maxReadChars() * 4 + 1;
        String[] split = text.split("\n", -1);
        // The last element is what follows the final newline: empty for a complete file, a partial line otherwise.
        int complete = split.length - 1;
        boolean lastIsPartial = !split[split.length - 1].isEmpty();
        StringBuilder out = new StringBuilder();
        int shown = 0;
        int cut = 0;
        boolean more = complete > limit || capped;
        int available = Math.min(limit, lastIsPartial && !capped ? complete + 1 : complete);
        for (int i = 0; i < available; i++) {
            String line = split[i];
            if (line.length() > config.maxLineChars()) {
                line = line.substring(0, config.maxLineChars()) + " [... line cut]";
                cut++;
            }
            if (out.length() + line.length() > config.maxReadChars() && shown > 0) {
                more = true;
                break;
            }
            out.append(String.format("%6d\t", first + i)).append(line).append('\n');
            shown++;
        }
        return new FileResults.Read(header.resolved, out.toString(), first, first + shown - 1, more, size, cut);
    }

    private FileResults.Listing listing(Header header, String pattern, PathMatcher matcher, boolean scanCut) {
        List<FileResults.Entry> entries = new ArrayList<>();
        String body = new String(header.body, StandardCharsets.UTF_8);
        String[] records = body.split("\0");
        boolean truncated = scanCut || records.length >= config.listScanLimit();
        for (String record : records) {
            String[] parts = record.split("\t", 3);
            if (parts.length < 3) {
                continue;
            }
            String type = switch (parts[0]) {
                case "f" -> "file";
                case "d" -> "directory";
                case "l" -> "symlink";
                default -> "other";
            };
            String rel = parts[2];
            if (matcher != null && !matcher.matches(Path.of(rel))) {
                continue;
            }
            entries.add(new FileResults.Entry(type.equals("directory") ? rel + "/" : rel, type,
                    Long.parseLong(parts[1])));
        }
        entries.sort(Comparator.comparing(FileResults.Entry::path));
        if (entries.size() > config.maxListEntries()) {
            entries = new ArrayList<>(entries.subList(0, config.maxListEntries()));
            truncated = true;
        }
        return new FileResults.Listing(header.resolved, pattern, entries, truncated);
    }

    private FileResults.Search matches(String pattern, Header header, int limit, boolean timedOut) {
        List<FileResults.Match> matches = new ArrayList<>();
        String body = new String(header.body, StandardCharsets.UTF_8);
        for (String line : body.split("\n")) {
            int nul = line.indexOf('\0');
            int colon = nul < 0 ? -1 : line.indexOf(':', nul);
            if (colon < 0) {
                continue;
            }
            String file = line.substring(0, nul);
            String rel = file.startsWith(WORKSPACE + "/") ? file.substring(WORKSPACE.length() + 1) : file;
            String text = line.substring(colon + 1);
            if (text.length() > config.maxLineChars()) {
                text = text.substring(0, config.maxLineChars()) + " [... line cut]";
            }
            try {
                matches.add(new FileResults.Match(rel, Integer.parseInt(line.substring(nul + 1, colon)), text));
            } catch (NumberFormatException e) {
                continue;
            }
        }
        boolean truncated = timedOut || matches.size() > limit;
        if (matches.size() > limit) {
            matches = new ArrayList<>(matches.subList(0, limit));
        }
        return new FileResults.Search(pattern, header.resolved, matches, truncated);
    }

    private static PathMatcher globMatcher(String pattern) {
        PathMatcher glob;
        try {
            glob = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
        } catch (IllegalArgumentException e) {
            throw ToolFailure.invalid("pattern '" + pattern + "' is not a valid glob: " + e.getMessage());
        }
        if (pattern.contains("/")) {
            return glob;
        }
        // A pattern without a slash matches file names at any depth, as find -name does.
        return p -> p.getFileName() != null && glob.matches(p.getFileName());
    }

    private static void checkPath(String path, String name) {
        if (path == null || path.isEmpty()) {
            throw ToolFailure.invalid(name + " is empty; give a path relative to " + WORKSPACE
                    + " or an absolute path under it.");
        }
        if (path.length() > MAX_PATH_LENGTH) {
            throw ToolFailure.tooLarge(name + " is " + path.length() + " characters; the limit is " + MAX_PATH_LENGTH
                    + ".");
        }
        if (path.indexOf('\0') >= 0) {
            throw ToolFailure.invalid(name + " contains a NUL character.");
        }
    }

    private static String strictUtf8(byte[] bytes, String path) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new ToolFailure(Reason.BINARY_FILE, "'" + path + "' is not valid UTF-8 text; edit it with bash.");
        }
    }

    private static int count(String text, String needle) {
        int count = 0;
        for (int at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length())) {
            count++;
        }
        return count;
    }

    private static String snippet(String text, int start, int length) {
        int firstLine = lineOf(text, start);
        int lastLine = lineOf(text, start + Math.max(0, length - 1));
        String[] lines = text.split("\n", -1);
        int from = Math.max(0, firstLine - SNIPPET_CONTEXT);
        int to = Math.min(lines.length - 1, lastLine + SNIPPET_CONTEXT);
        StringBuilder out = new StringBuilder();
        for (int i = from; i <= to && i - from < 60; i++) {
            out.append(String.format("%6d\t", i + 1)).append(lines[i]).append('\n');
        }
        return out.toString();
    }

    private static int lineOf(String text, int index) {
        int line = 0;
        for (int i = 0; i < index && i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }

    private static int indexOf(byte[] bytes, byte b, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The file changed between the read and the write of an edit. */
    private static final class ChangedMeanwhile extends RuntimeException {
        ChangedMeanwhile() {
            super("changed meanwhile", null, false, false);
        }
    }

}
