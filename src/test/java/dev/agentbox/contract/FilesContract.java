package dev.agentbox.contract;

import static dev.agentbox.files.FileToolsAssertions.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.agentbox.McpSession;
import io.quarkiverse.mcp.server.ToolResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The file tools as an agent sees them, on every backend.
 */
abstract class FilesContract {

    @Test
    void writeFileCreatesParentsAndReadFileNumbersLines() {
        try (McpSession mcp = McpSession.open("files-write-read")) {
            ToolResponse written = mcp.call("write_file", Map.of("path", "a/b/c.txt", "content", "one\ntwo\nthree\n"));

            assertThat(written.isError()).isFalse();
            assertThat(McpSession.structured(written).getBoolean("created")).isTrue();
            assertThat(McpSession.structured(written).getString("path")).isEqualTo("/workspace/a/b/c.txt");
            ToolResponse read = mcp.call("read_file", Map.of("path", "/workspace/a/b/c.txt"));
            assertThat(McpSession.text(read)).isEqualTo("     1\tone\n     2\ttwo\n     3\tthree\n");
            assertThat(McpSession.structured(read).getBoolean("more_lines")).isFalse();
            assertThat(mcp.sh("stat -c '%a %U' a/b/c.txt")).isEqualTo("644 agent\n");
        }
    }

    @Test
    void readFileHonoursOffsetAndLimitAndSaysWhereToContinue() {
        try (McpSession mcp = McpSession.open("files-offset")) {
            mcp.sh("seq 1 100 > numbers.txt");

            ToolResponse read = mcp.call("read_file", Map.of("path", "numbers.txt", "offset", 10, "limit", 3));

            assertThat(McpSession.text(read)).startsWith("    10\t10\n    11\t11\n    12\t12\n")
                    .contains("continue with offset=13");
            JsonObject result = McpSession.structured(read);
            assertThat(result.getInteger("first_line")).isEqualTo(10);
            assertThat(result.getInteger("last_line")).isEqualTo(12);
            assertThat(result.getBoolean("more_lines")).isTrue();
        }
    }

    @Test
    void readFileKeepsALastLineWithoutNewline() {
        try (McpSession mcp = McpSession.open("files-partial-line")) {
            mcp.call("write_file", Map.of("path", "x.txt", "content", "first\nlast without newline"));

            assertThat(McpSession.text(mcp.call("read_file", Map.of("path", "x.txt"))))
                    .isEqualTo("     1\tfirst\n     2\tlast without newline\n");
        }
    }

    @Test
    void readFileRefusesBinaryMissingAndDirectoryPaths() {
        try (McpSession mcp = McpSession.open("files-refusals")) {
            mcp.sh("head -c 1000 /dev/urandom > blob.bin; printf '\\0' >> blob.bin; mkdir -p adir");

            assertError(mcp.call("read_file", Map.of("path", "blob.bin")), "BINARY_FILE", "blob.bin");
            assertError(mcp.call("read_file", Map.of("path", "missing.txt")), "NOT_FOUND", "missing.txt");
            assertError(mcp.call("read_file", Map.of("path", "adir")), "INVALID_ARGUMENT", "is a directory");
            assertError(mcp.call("read_file", Map.of("path", "x", "offset", -1)), "INVALID_ARGUMENT", "not -1");
        }
    }

    @Test
    void readFileLooksForANulInTheFirst8KiBOnly() {
        try (McpSession mcp = McpSession.open("files-nul")) {
            mcp.sh("head -c 8191 /dev/zero | tr '\\0' a > nul-at-8191.txt; printf '\\0' >> nul-at-8191.txt;"
                    + "head -c 8192 /dev/zero | tr '\\0' a > nul-at-8192.txt; printf '\\0' >> nul-at-8192.txt;"
                    + "for i in $(seq 5000); do printf '\u00e9'; done > accents.txt;"
                    + "for i in $(seq 3000); do printf '\u00e9'; done > accents-nul.txt; printf '\\0' >> accents-nul.txt");

            assertError(mcp.call("read_file", Map.of("path", "nul-at-8191.txt")), "BINARY_FILE", "nul-at-8191.txt");
            assertThat(mcp.call("read_file", Map.of("path", "nul-at-8192.txt")).isError()).isFalse();
            // Characters of two bytes each: 10,000 bytes, no NUL, so text; a NUL at byte 6,000 makes it binary.
            assertThat(McpSession.text(mcp.call("read_file", Map.of("path", "accents.txt"))))
                    .startsWith("     1\t" + "\u00e9".repeat(2000) + " [... line cut]\n");
            assertError(mcp.call("read_file", Map.of("path", "accents-nul.txt")), "BINARY_FILE", "accents-nul.txt");
        }
    }

    @Test
    void readFileRefusesFilesOverTheSizeLimit() {
        try (McpSession mcp = McpSession.open("files-too-large")) {
            mcp.sh("head -c 11000000 /dev/zero | tr '\\0' 'a' > big.txt");

            assertError(mcp.call("read_file", Map.of("path", "big.txt")), "INPUT_TOO_LARGE", "11000000 bytes");
        }
    }

    @Test
    void writeFileReplacesAtomicallyAndKeepsPermissions() {
        try (McpSession mcp = McpSession.open("files-replace")) {
            mcp.sh("printf 'old' > run.sh; chmod 750 run.sh");

            ToolResponse written = mcp.call("write_file", Map.of("path", "run.sh", "content", "#!/bin/sh\necho new\n"));

            assertThat(McpSession.structured(written).getBoolean("created")).isFalse();
            assertThat(mcp.sh("stat -c %a run.sh; ./run.sh; ls -a | grep -c agentbox-write || true"))
                    .isEqualTo("750\nnew\n0\n");
        }
    }

    @Test
    void writeFileIntoADirectoryTheSandboxMayNotWriteSaysSo() {
        try (McpSession mcp = McpSession.open("files-read-only-dir")) {
            mcp.sh("mkdir ro && chmod 555 ro");

            assertError(mcp.call("write_file", Map.of("path", "ro/x.txt", "content", "x")), "FORBIDDEN",
                    "Permission denied");
            assertThat(mcp.sh("ls -A ro")).isEmpty();
        }
    }

    @Test
    void editFileReplacesAUniqueString() {
        try (McpSession mcp = McpSession.open("files-edit")) {
            mcp.call("write_file", Map.of("path", "app.py", "content", "def f():\n    return 1\n\nprint(f())\n"));

            ToolResponse edited = mcp.call("edit_file", Map.of("path", "app.py", "old_string", "return 1",
                    "new_string", "return 42"));

            assertThat(edited.isError()).isFalse();
            assertThat(McpSession.structured(edited).getInteger("replacements")).isEqualTo(1);
            assertThat(McpSession.text(edited)).contains("     2\t    return 42");
            assertThat(mcp.sh("python3 app.py")).isEqualTo("42\n");
        }
    }

    @Test
    void editFileFailsWithTheCountWhenTheStringIsNotUnique() {
        try (McpSession mcp = McpSession.open("files-edit-unique")) {
            mcp.call("write_file", Map.of("path", "t.txt", "content", "x = 1\nx = 1\nx = 1\n"));

            assertError(mcp.call("edit_file", Map.of("path", "t.txt", "old_string", "x = 1", "new_string", "y")),
                    "NOT_UNIQUE", "occurs 3 times");
            assertError(mcp.call("edit_file", Map.of("path", "t.txt", "old_string", "zzz", "new_string", "y")),
                    "NOT_FOUND", "was not found");
            ToolResponse all = mcp.call("edit_file", Map.of("path", "t.txt", "old_string", "x = 1",
                    "new_string", "x = 2", "replace_all", true));
            assertThat(McpSession.structured(all).getInteger("replacements")).isEqualTo(3);
            assertThat(mcp.sh("cat t.txt")).isEqualTo("x = 2\nx = 2\nx = 2\n");
        }
    }

    @Test
    void editFileKeepsEverythingElseByteForByte() {
        try (McpSession mcp = McpSession.open("files-edit-exact")) {
            mcp.sh("printf 'a\\r\\nb\\tc\\n\\xc3\\xa9t\\xc3\\xa9\\nlast' > crlf.txt");

            mcp.call("edit_file", Map.of("path", "crlf.txt", "old_string", "b\tc", "new_string", "B"));

            assertThat(mcp.sh("od -An -c crlf.txt | tr -s ' '")).isEqualTo(" a \\r \\n B \\n 303 251 t 303 251 \\n l a s t\n");
        }
    }

    @Test
    void listFilesShowsATreeAndMatchesGlobs() {
        try (McpSession mcp = McpSession.open("files-list")) {
            mcp.sh("mkdir -p src/main/java/x .git/objects && touch src/main/java/x/A.java src/B.java README.md "
                    + ".git/objects/deadbeef && printf hello > src/hello.txt");

            JsonObject tree = McpSession.structured(mcp.call("list_files", Map.of()));
            assertThat(paths(tree.getJsonArray("entries"))).contains(".git/", "README.md", "src/", "src/B.java",
                    "src/hello.txt", "src/main/", "src/main/java/").doesNotContain(".git/objects/");
            assertThat(McpSession.text(mcp.call("list_files", Map.of("path", "src"))))
                    .contains("hello.txt  (5 bytes)");

            JsonObject java = McpSession.structured(mcp.call("list_files", Map.of("pattern", "*.java")));
            assertThat(paths(java.getJsonArray("entries"))).containsExactly("src/B.java", "src/main/java/x/A.java");
            JsonObject deep = McpSession.structured(mcp.call("list_files", Map.of("pattern", "src/main/**")));
            assertThat(paths(deep.getJsonArray("entries"))).contains("src/main/java/x/A.java")
                    .doesNotContain("src/B.java");
        }
    }

    @Test
    void searchFilesFindsLinesWithFileAndLineNumber() {
        try (McpSession mcp = McpSession.open("files-search")) {
            mcp.sh("mkdir -p lib && printf 'alpha\\nclass FooTest {}\\nbeta\\n' > lib/Foo.java && "
                    + "printf 'class BarTest\\n' > lib/notes.txt");

            ToolResponse found = mcp.call("search_files", Map.of("pattern", "class \\w+Test", "glob", "*.java"));

            assertThat(McpSession.text(found)).isEqualTo("lib/Foo.java:2: class FooTest {}\n");
            JsonObject match = McpSession.structured(found).getJsonArray("matches").getJsonObject(0);
            assertThat(match.getString("file")).isEqualTo("lib/Foo.java");
            assertThat(match.getInteger("line")).isEqualTo(2);
            assertThat(McpSession.text(mcp.call("search_files", Map.of("pattern", "nothing-here"))))
                    .startsWith("No matches");
            assertError(mcp.call("search_files", Map.of("pattern", "(unclosed")), "INVALID_ARGUMENT",
                    "missing closing parenthesis");
        }
    }

    @Test
    void unknownArgumentsAreNamed() {
        try (McpSession mcp = McpSession.open("files-unknown-arg")) {
            Map<String, Object> args = new HashMap<>(Map.of("path", "x.txt", "content", "x"));
            args.put("mode", "0755");

            assertError(mcp.call("write_file", args), "INVALID_ARGUMENT", "Unknown argument 'mode'");
        }
    }

    private static List<String> paths(JsonArray entries) {
        return entries.stream().map(e -> ((JsonObject) e).getString("path")).toList();
    }
}
