package dev.agentbox.security;

import static dev.agentbox.files.FileToolsAssertions.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.agentbox.McpSession;
import io.quarkiverse.mcp.server.ToolResponse;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Tries every way out of the workspace that the file tools and bash might offer, and checks that a canary file on the
 * host and a file in another conversation's workspace stay untouched.
 */
@QuarkusTest
public class WorkspaceEscapeTest {

    private static final String CANARY_TEXT = "canary: must never change\n";

    private Path canary;
    private FileTime canaryModified;

    @BeforeEach
    void plantCanary() throws IOException {
        canary = Files.createTempFile("agentbox-canary-", ".txt");
        Files.writeString(canary, CANARY_TEXT);
        canaryModified = Files.getLastModifiedTime(canary);
    }

    @AfterEach
    void canaryIsUntouched() throws IOException {
        assertThat(Files.readString(canary)).isEqualTo(CANARY_TEXT);
        assertThat(Files.getLastModifiedTime(canary)).isEqualTo(canaryModified);
        assertThat(Files.list(canary.getParent()).filter(p -> p.getFileName().toString().startsWith("agentbox-escape"))
                .toList()).as("files the sandbox must not have created on the host").isEmpty();
        Files.delete(canary);
    }

    @Test
    void dotDotPathsAreRefused() {
        try (McpSession mcp = McpSession.open("escape-dotdot")) {
            String up = "../../../../../../.." + canary;

            assertError(mcp.call("read_file", Map.of("path", up)), "PATH_OUTSIDE_WORKSPACE", canary.toString());
            assertError(mcp.call("write_file", Map.of("path", up, "content", "pwned")), "PATH_OUTSIDE_WORKSPACE",
                    canary.toString());
            assertError(mcp.call("edit_file", Map.of("path", up, "old_string", "canary", "new_string", "x")),
                    "PATH_OUTSIDE_WORKSPACE", "outside /workspace");
            assertError(mcp.call("list_files", Map.of("path", "..")), "PATH_OUTSIDE_WORKSPACE", "'..' resolves to /");
            assertError(mcp.call("search_files", Map.of("pattern", "canary", "path", "/")),
                    "PATH_OUTSIDE_WORKSPACE", "outside /workspace");
        }
    }

    @Test
    void absoluteHostPathsAreRefused() {
        try (McpSession mcp = McpSession.open("escape-absolute")) {
            assertError(mcp.call("read_file", Map.of("path", canary.toString())), "PATH_OUTSIDE_WORKSPACE",
                    canary.toString());
            assertError(mcp.call("read_file", Map.of("path", "/etc/passwd")), "PATH_OUTSIDE_WORKSPACE",
                    "/etc/passwd");
            assertError(mcp.call("write_file", Map.of("path", canary.getParent() + "/agentbox-escape-1",
                    "content", "x")), "PATH_OUTSIDE_WORKSPACE", "outside /workspace");
        }
    }

    @Test
    void symlinksOutOfTheWorkspaceAreRefused() {
        try (McpSession mcp = McpSession.open("escape-symlink")) {
            mcp.sh("ln -s " + canary + " file-link && ln -s " + canary.getParent() + " dir-link && ln -s /etc etc-link");

            assertError(mcp.call("read_file", Map.of("path", "file-link")), "PATH_OUTSIDE_WORKSPACE", "file-link");
            assertError(mcp.call("write_file", Map.of("path", "file-link", "content", "pwned")),
                    "PATH_OUTSIDE_WORKSPACE", canary.toString());
            assertError(mcp.call("write_file", Map.of("path", "dir-link/agentbox-escape-2", "content", "x")),
                    "PATH_OUTSIDE_WORKSPACE", "outside /workspace");
            assertError(mcp.call("edit_file", Map.of("path", "etc-link/hostname", "old_string", "a",
                    "new_string", "b")), "PATH_OUTSIDE_WORKSPACE", "/etc/hostname");
            assertError(mcp.call("list_files", Map.of("path", "dir-link")), "PATH_OUTSIDE_WORKSPACE", "dir-link");
        }
    }

    @Test
    void symlinksInsideTheWorkspaceStillWork() {
        try (McpSession mcp = McpSession.open("escape-inner-link")) {
            mcp.sh("mkdir -p real && echo inside > real/f.txt && ln -s real alias");

            ToolResponse read = mcp.call("read_file", Map.of("path", "alias/f.txt"));

            assertThat(McpSession.structured(read).getString("path")).isEqualTo("/workspace/real/f.txt");
            assertThat(McpSession.text(read)).contains("inside");
        }
    }

    @Test
    void theHostFileSystemIsNotVisibleToCommands() {
        try (McpSession mcp = McpSession.open("escape-bash")) {
            String out = mcp.bash("cat " + canary + "; ls " + canary.getParent() + " | grep -c agentbox-canary;"
                    + " echo pwned > " + canary + "; touch /usr/agentbox-escape /etc/agentbox-escape;"
                    + " ln " + canary + " hard 2>&1; true").encode();

            assertThat(out).doesNotContain("canary: must never change");
            assertThat(out).contains("Read-only file system");
        }
    }

    @Test
    void hardLinksToFilesOutsideTheWorkspaceCannotBeMade() {
        try (McpSession mcp = McpSession.open("escape-hardlink")) {
            String out = mcp.bash("ln /etc/hostname /workspace/hostname-link 2>&1; ln /usr/bin/env env-link 2>&1;"
                    + " ls /workspace").getString("stdout");

            assertThat(out).contains("Invalid cross-device link").doesNotContain("hostname-link\n");
        }
    }

    @Test
    void procRootOfOtherProcessesLeadsNowhere() {
        try (McpSession mcp = McpSession.open("escape-proc")) {
            String out = mcp.bash("ls /proc/1/root/ 2>&1; cat /proc/1/root" + canary + " 2>&1;"
                    + " for p in /proc/[0-9]*; do readlink $p/root; done 2>&1 | sort -u").getString("stdout");

            assertThat(out).contains("Permission denied").doesNotContain("canary: must never change");
            assertError(mcp.call("read_file", Map.of("path", "/proc/1/root" + canary)), "PATH_OUTSIDE_WORKSPACE",
                    "outside /workspace");
            assertError(mcp.call("read_file", Map.of("path", "/proc/self/root" + canary)),
                    "PATH_OUTSIDE_WORKSPACE", "outside /workspace");
        }
    }

    @Test
    void anotherConversationsWorkspaceIsInvisible() throws IOException {
        String secret = "secret-" + UUID.randomUUID();
        try (McpSession owner = McpSession.open("escape-owner"); McpSession other = McpSession.open("escape-other")) {
            owner.sh("echo " + secret + " > secret.txt");
            String ownerWorkspace = McpSession.structured(owner.call("sandbox_info", Map.of()))
                    .getString("conversation_id");
            Path hostCopy = Path.of("target/agentbox-test-state/conversations", ownerWorkspace, "workspace",
                    "secret.txt");
            assertThat(Files.readString(hostCopy, StandardCharsets.UTF_8)).contains(secret);

            String seen = other.bash("cat /workspace/secret.txt; cat " + hostCopy.toAbsolutePath() + ";"
                    + " grep -rs " + secret + " /workspace /home /tmp /run /var 2>/dev/null | head -1; true").encode();

            assertThat(seen).doesNotContain(secret);
            assertError(other.call("read_file", Map.of("path", hostCopy.toAbsolutePath().toString())),
                    "PATH_OUTSIDE_WORKSPACE", "outside /workspace");
        }
    }

    @Test
    void swappingADirectoryForASymlinkDuringWritesNeverReachesTheHost() {
        try (McpSession mcp = McpSession.open("escape-race")) {
            mcp.sh("mkdir -p target-dir; (for i in $(seq 1 3000); do rm -rf target-dir; ln -sfn " + canary.getParent()
                    + " target-dir; rm -f target-dir; mkdir -p target-dir; done) > /dev/null 2>&1 &");

            for (int i = 0; i < 40; i++) {
                mcp.call("write_file", Map.of("path", "target-dir/agentbox-escape-race", "content", "x" + i));
                mcp.call("write_file", Map.of("path", "target-dir/" + canary.getFileName(), "content", "pwned"));
            }
            mcp.sh("pkill -f 'seq 1 3000' || true");
        }
    }
}
