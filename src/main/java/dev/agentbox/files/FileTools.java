package dev.agentbox.files;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import dev.agentbox.toolcall.ToolParam;
import dev.agentbox.toolcall.ToolSet;
import dev.agentbox.toolcall.ToolSpec;

/**
 * The file tools: {@code read_file}, {@code write_file}, {@code edit_file}, {@code list_files} and
 * {@code search_files}.
 */
@ApplicationScoped
public class FileTools implements ToolSet {

    private static final String PATHS = " Paths are relative to /workspace or absolute under it; a path that "
            + "leads outside /workspace (through .. or a symlink) is refused with PATH_OUTSIDE_WORKSPACE.";

    private final WorkspaceFiles files;
    private final FilesConfig config;

    FileTools(WorkspaceFiles files, FilesConfig config) {
        this.files = files;
        this.config = config;
    }

    @Override
    public int order() {
        return 20;
    }

    @Override
    public List<ToolSpec> tools() {
        ToolParam path = ToolParam.required("path", String.class, "The file's path.");
        return List.of(
                new ToolSpec("read_file", "Read a text file", """
                        Reads a text file from the sandbox and returns its lines numbered from 1 (number, tab, \
                        line). Returns %d lines from the start unless offset and limit say otherwise; lines over \
                        %d characters are cut, and a result stops at about %,d characters, saying which offset \
                        continues. Refuses binary files (BINARY_FILE), directories, and files over %,d bytes \
                        (INPUT_TOO_LARGE; use bash for those).""".formatted(config.defaultReadLines(),
                        config.maxLineChars(), config.maxReadChars(), config.maxReadSize().asLongValue()) + PATHS,
                        List.of(path,
                                ToolParam.optional("offset", Integer.class, "The first line to return, counting "
                                        + "from 1; default 1."),
                                ToolParam.optional("limit", Integer.class, "How many lines to return; default "
                                        + config.defaultReadLines() + ".")),
                        true,
                        (call, args) -> files.read(call.conversation(), args.string("path"), args.integer("offset"),
                                args.integer("limit"))),
                new ToolSpec("write_file", "Write a file", """
                        Creates a file or replaces its whole content, atomically (readers never see a half-written \
                        file), creating missing parent directories. A replaced file keeps its permissions; a new \
                        one is rw-r--r--. Content is UTF-8 text of at most %,d bytes. To change part of a file, \
                        use edit_file.""".formatted(config.maxWriteSize().asLongValue()) + PATHS,
                        List.of(path, ToolParam.required("content", String.class, "The complete new content.")),
                        false,
                        (call, args) -> files.write(call.conversation(), args.string("path"),
                                args.string("content"))),
                new ToolSpec("edit_file", "Edit a file", """
                        Replaces an exact string in a text file and writes the file back atomically. old_string \
                        must occur exactly once (copy it from read_file output without the line-number prefix, \
                        whitespace included), unless replace_all is true. Fails with NOT_FOUND when it does not \
                        occur and NOT_UNIQUE (with the count) when it occurs more than once. Returns the edited \
                        region with line numbers. Files up to %,d bytes.""".formatted(config.maxReadSize()
                        .asLongValue()) + PATHS,
                        List.of(path,
                                ToolParam.required("old_string", String.class, "The exact text to replace."),
                                ToolParam.required("new_string", String.class, "The text to put in its place."),
                                ToolParam.optional("replace_all", Boolean.class, "Replace every occurrence; "
                                        + "default false.")),
                        false,
                        (call, args) -> files.edit(call.conversation(), args.string("path"),
                                args.string("old_string"), args.string("new_string"),
                                args.flag("replace_all", false))),
                new ToolSpec("list_files", "List files", """
                        Lists a directory of the sandbox: without a pattern, its tree %d levels deep; with a glob \
                        pattern, the entries below it whose path matches (a pattern without / matches file names \
                        at any depth, e.g. *.py; **/ crosses directories, e.g. src/**/*.java). Directories end \
                        with /, files show their size. At most %,d entries, sorted by path, and at most %,d \
                        entries examined; the contents of .git and node_modules are only listed when path points \
                        into them.""".formatted(3, config.maxListEntries(), config.listScanLimit()) + PATHS,
                        List.of(ToolParam.optional("path", String.class, "The directory; default /workspace."),
                                ToolParam.optional("pattern", String.class, "A glob the entries must match.")),
                        true,
                        (call, args) -> files.list(call.conversation(), args.string("path"),
                                args.string("pattern"))),
                new ToolSpec("search_files", "Search file contents", """
                        Searches the contents of text files under a path with a Perl-compatible regular expression \
                        (grep -P) and returns file:line: text for each matching line. Binary files and .git are \
                        skipped. At most %d matches, lines cut at %d characters, and %d s; the result says when \
                        it stopped early.""".formatted(config.maxSearchResults(), config.maxLineChars(),
                        config.operationTimeout().toSeconds()) + PATHS,
                        List.of(ToolParam.required("pattern", String.class, "The regular expression."),
                                ToolParam.optional("path", String.class, "A file or directory to search; default "
                                        + "/workspace."),
                                ToolParam.optional("glob", String.class, "Only files whose name matches this glob, "
                                        + "e.g. *.java.")),
                        true,
                        (call, args) -> files.search(call.conversation(), args.string("pattern"),
                                args.string("path"), args.string("glob"))));
    }
}
