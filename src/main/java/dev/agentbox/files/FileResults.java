package dev.agentbox.files;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import dev.agentbox.toolcall.ToolResult;

/**
 * The results of the file tools.
 */
public final class FileResults {

    private FileResults() {
    }

    /**
     * What {@code read_file} returns.
     *
     * @param path the file, resolved
     * @param content the lines, each prefixed with its number and a tab
     * @param firstLine the number of the first line returned
     * @param lastLine the number of the last line returned (first line minus one when none)
     * @param moreLines whether the file goes on after the last line returned
     * @param sizeBytes the file's size
     * @param cutLines how many lines were longer than the line limit and were cut
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Read(String path, String content, int firstLine, int lastLine, boolean moreLines, long sizeBytes,
            int cutLines) implements ToolResult {

        @Override
        public String text() {
            StringBuilder text = new StringBuilder(content);
            if (lastLine < firstLine) {
                text.append(sizeBytes == 0 ? "(the file is empty)\n"
                        : "(no lines at offset " + firstLine + "; the file has fewer lines)\n");
            }
            if (cutLines > 0) {
                text.append("[").append(cutLines).append(" long line(s) were cut; use bash to see them whole]\n");
            }
            if (moreLines) {
                text.append("[more lines follow; continue with offset=").append(lastLine + 1).append("]\n");
            }
            return text.toString();
        }
    }

    /**
     * What {@code write_file} returns.
     *
     * @param path the file, resolved
     * @param bytes how many bytes were written
     * @param created whether the file did not exist before
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Write(String path, long bytes, boolean created) implements ToolResult {

        @Override
        public String text() {
            return (created ? "Created " : "Replaced ") + path + " (" + bytes + " bytes).";
        }
    }

    /**
     * What {@code edit_file} returns.
     *
     * @param path the file, resolved
     * @param replacements how many occurrences were replaced
     * @param snippet the lines around the first replacement after the edit, numbered
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Edit(String path, int replacements, String snippet) implements ToolResult {

        @Override
        public String text() {
            return "Replaced " + replacements + " occurrence" + (replacements == 1 ? "" : "s") + " in " + path
                    + ". Around the first one the file now reads:\n" + snippet;
        }
    }

    /**
     * One directory entry.
     *
     * @param path the path relative to the listed directory; directories end with a slash
     * @param type {@code file}, {@code directory}, {@code symlink} or {@code other}
     * @param sizeBytes the size (of the link itself for symlinks)
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Entry(String path, String type, long sizeBytes) {
    }

    /**
     * What {@code list_files} returns.
     *
     * @param path the listed directory, resolved
     * @param pattern the glob the entries match, or {@code null}
     * @param entries the entries, sorted by path
     * @param truncated whether more entries exist than were returned (or the scan stopped)
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Listing(String path, String pattern, List<Entry> entries, boolean truncated) implements ToolResult {

        @Override
        public String text() {
            StringBuilder text = new StringBuilder(path).append(pattern == null ? "" : " matching " + pattern)
                    .append(": ").append(entries.size()).append(entries.size() == 1 ? " entry\n" : " entries\n");
            for (Entry entry : entries) {
                text.append(entry.path());
                if (entry.type().equals("file")) {
                    text.append("  (").append(entry.sizeBytes()).append(" bytes)");
                } else if (entry.type().equals("symlink")) {
                    text.append("  (symlink)");
                }
                text.append('\n');
            }
            if (truncated) {
                text.append("[more entries exist; narrow the path or the pattern]\n");
            }
            return text.toString();
        }
    }

    /**
     * One matching line.
     *
     * @param file the file, relative to the workspace
     * @param line the line number
     * @param text the line (cut when very long)
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Match(String file, int line, String text) {
    }

    /**
     * What {@code search_files} returns.
     *
     * @param pattern the regular expression
     * @param path the searched path, resolved
     * @param matches the matching lines
     * @param truncated whether the search stopped at the result limit or the time limit
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Search(String pattern, String path, List<Match> matches, boolean truncated) implements ToolResult {

        @Override
        public String text() {
            if (matches.isEmpty()) {
                return "No matches for " + pattern + " in " + path + (truncated ? " before the search timed out" : "")
                        + ".\n";
            }
            StringBuilder text = new StringBuilder();
            for (Match match : matches) {
                text.append(match.file()).append(':').append(match.line()).append(": ").append(match.text())
                        .append('\n');
            }
            if (truncated) {
                text.append("[more matches may exist; narrow the pattern, the path or the glob]\n");
            }
            return text.toString();
        }
    }
}
