package dev.agentbox.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.agentbox.McpSession;
import io.quarkiverse.mcp.server.ToolResponse;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;

/**
 * Tries to make a checkpoint read a host file, and a restore write one: symlinks and races in the workspace while it
 * is archived, and hostile archives planted in the store (path traversal names, absolute names, writing through a
 * symlink, hard links to host files, device files, setuid files). A canary file and directory on the host, and another
 * conversation's workspace, must stay untouched; archives must never hold their content.
 */
@QuarkusTest
class CheckpointEscapeTest {

    private static final String CANARY_TEXT = "checkpoint canary: must never change or leak\n";

    private Path canaryDir;
    private Path canary;
    private FileTime canaryModified;

    @BeforeEach
    void plantCanary() throws IOException {
        canaryDir = Files.createTempDirectory("agentbox-canary-dir-");
        canary = canaryDir.resolve("canary.txt");
        Files.writeString(canary, CANARY_TEXT);
        canaryModified = Files.getLastModifiedTime(canary);
    }

    @AfterEach
    void canaryIsUntouched() throws IOException {
        assertThat(Files.readString(canary)).isEqualTo(CANARY_TEXT);
        assertThat(Files.getLastModifiedTime(canary)).isEqualTo(canaryModified);
        try (var entries = Files.list(canaryDir)) {
            assertThat(entries.map(p -> p.getFileName().toString()).toList()).as("files in the canary directory")
                    .containsExactly("canary.txt");
        }
        assertThat(Path.of("/tmp/agentbox-escape-abs")).doesNotExist();
        Files.delete(canary);
        Files.delete(canaryDir);
    }

    @Test
    void symlinksToHostFilesAreArchivedAsLinksAndNeverFollowed() throws Exception {
        try (McpSession other = McpSession.open("cpx-other"); McpSession mcp = McpSession.open("cpx-links")) {
            other.sh("echo other-secret > secret.txt");
            Path otherWorkspace = workspaceOf(other);
            mcp.sh("ln -s " + canary + " file-link; ln -s " + canaryDir + " dir-link; ln -s " + otherWorkspace
                    + " other-link; ln -s " + otherWorkspace + "/secret.txt other-file; ln -s /etc/shadow shadow");
            String name = name("links");

            ToolResponse saved = mcp.call("persist", Map.of("name", name));
            assertThat(saved.isError()).as(McpSession.text(saved)).isFalse();
            byte[] archive = Files.readAllBytes(archive(name));

            assertThat(new String(archive, StandardCharsets.ISO_8859_1)).doesNotContain("checkpoint canary")
                    .doesNotContain("other-secret").doesNotContain("root:");
            mcp.sh("rm -f *-link other-file shadow");
            assertThat(mcp.call("restore", Map.of("checkpoint", name)).isError()).isFalse();
            assertThat(mcp.sh("readlink file-link dir-link shadow; cat file-link other-file 2>&1 | grep -c 'No such'"))
                    .isEqualTo(canary + "\n" + canaryDir + "\n/etc/shadow\n2\n");
            assertThat(Files.readString(otherWorkspace.resolve("secret.txt"))).isEqualTo("other-secret\n");
        }
    }

    @Test
    void namedPathsThroughASymlinkOutOfTheWorkspaceAreRefused() {
        try (McpSession mcp = McpSession.open("cpx-named")) {
            mcp.sh("ln -s " + canaryDir + " out; ln -s /etc etc");

            ToolResponse throughLink = mcp.call("persist", Map.of("name", name("named"), "paths",
                    List.of("out/canary.txt")));
            ToolResponse throughEtc = mcp.call("persist", Map.of("name", name("named-etc"), "paths",
                    List.of("etc/passwd")));

            assertThat(McpSession.structured(throughLink).getString("reason")).isEqualTo("PATH_OUTSIDE_WORKSPACE");
            assertThat(McpSession.structured(throughEtc).getString("reason")).isEqualTo("PATH_OUTSIDE_WORKSPACE");
        }
    }

    @Test
    void aDirectorySwappedForASymlinkWhileArchivingNeverBringsHostFilesIn() throws Exception {
        try (McpSession mcp = McpSession.open("cpx-race")) {
            mcp.sh("mkdir -p d && for i in $(seq 1 200); do echo $i > d/f$i; done");
            mcp.sh("(for i in $(seq 1 20000); do mv d d.real && ln -s " + canaryDir + " d && rm d && ln -s /etc d"
                    + " && rm d && mv d.real d; done) > /dev/null 2>&1 &");

            for (int i = 0; i < 8; i++) {
                String name = name("race-" + i);
                ToolResponse saved = mcp.call("persist", Map.of("name", name));
                if (!saved.isError()) {
                    String archive = new String(Files.readAllBytes(archive(name)), StandardCharsets.ISO_8859_1);
                    assertThat(archive).doesNotContain("checkpoint canary").doesNotContain("root:x:0:0");
                }
            }
            mcp.bash("pkill -f 'seq 1 20000'; true");
        }
    }

    @Test
    void setuidBitsAreDroppedAndHugeSparseFilesStaySparse() {
        try (McpSession mcp = McpSession.open("cpx-suid")) {
            mcp.sh("echo x > suid && chmod 6755 suid && truncate -s 3G sparse && echo end >> sparse");
            String name = name("suid");

            long started = System.nanoTime();
            JsonObject saved = McpSession.structured(mcp.call("persist", Map.of("name", name)));
            mcp.sh("rm suid sparse");
            ToolResponse restored = mcp.call("restore", Map.of("checkpoint", name));

            assertThat(restored.isError()).as(McpSession.text(restored)).isFalse();
            assertThat(saved.getJsonObject("checkpoint").getLong("size_bytes")).isLessThan(1 << 20);
            assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started)).isLessThan(120);
            assertThat(mcp.sh("stat -c '%a %s' suid sparse; du -k sparse | cut -f1; tail -c 4 sparse"))
                    .matches("755 2\n644 3221225476\n\\d{1,3}\nend\n");
        }
    }

    @Test
    void absoluteNamesInAnArchiveLandInsideTheWorkspace() throws Exception {
        try (McpSession mcp = McpSession.open("cpx-absolute")) {
            String name = plant(mcp, "absolute", """
                    add_file('/tmp/agentbox-escape-abs', b'pwned')
                    add_file(canary_dir + '/agentbox-escape-abs2', b'pwned')
                    add_file('inside/ok.txt', b'fine')
                    """);

            ToolResponse restored = mcp.call("restore", Map.of("checkpoint", name));

            assertThat(restored.isError()).as(McpSession.text(restored)).isFalse();
            assertThat(mcp.sh("cat inside/ok.txt tmp/agentbox-escape-abs")).isEqualTo("finepwned");
        }
    }

    @Test
    void dotDotNamesInAnArchiveFailTheRestoreAndLeaveTheWorkspaceAsItWas() throws Exception {
        try (McpSession mcp = McpSession.open("cpx-traversal")) {
            mcp.sh("echo untouched > keep");
            String name = plant(mcp, "traversal", """
                    add_file('inside/ok.txt', b'fine')
                    add_file('../../../../../../' + canary_dir + '/agentbox-escape-dotdot', b'pwned')
                    add_file('inside/../../../../../../../' + canary_dir + '/agentbox-escape-dotdot2', b'pwned')
                    """);

            ToolResponse restored = mcp.call("restore", Map.of("checkpoint", name));

            assertThat(McpSession.structured(restored).getString("reason")).isEqualTo("ARCHIVE_FAILED");
            assertThat(McpSession.structured(restored).getString("message")).contains("'..'");
            assertThat(mcp.sh("ls; cat keep")).isEqualTo("keep\nuntouched\n");
        }
    }

    @Test
    void hostileArchivesCannotWriteThroughSymlinksOrLinkToHostFiles() throws Exception {
        try (McpSession other = McpSession.open("cpx-victim"); McpSession mcp = McpSession.open("cpx-hostile")) {
            other.sh("echo victim > victim.txt");
            Path victim = workspaceOf(other);
            mcp.sh("echo untouched > keep");
            String name = plant(mcp, "hostile", """
                    add_link('dirlink', canary_dir)
                    add_file('dirlink/agentbox-escape-through-link', b'pwned')
                    add_link('filelink', canary)
                    add_file('filelink', b'pwned')
                    add_link('victimlink', victim)
                    add_file('victimlink/victim.txt', b'pwned')
                    add_hardlink('hard', canary)
                    add_hardlink('hard-up', '../../../../../../../../' + canary)
                    """.replace("victim)", "'" + victim + "')"));

            ToolResponse restored = mcp.call("restore", Map.of("checkpoint", name));

            if (restored.isError()) {
                assertThat(McpSession.structured(restored).getString("reason")).isEqualTo("ARCHIVE_FAILED");
                assertThat(mcp.sh("cat keep")).isEqualTo("untouched\n");
            }
            assertThat(Files.readString(victim.resolve("victim.txt"))).isEqualTo("victim\n");
            assertThat(mcp.bash("cat hard hard-up filelink 2>/dev/null").getString("stdout"))
                    .doesNotContain("checkpoint canary");
        }
    }

    @Test
    void devicesInAnArchiveAreNotCreatedAndNothingHalfRestoredRemains() throws Exception {
        try (McpSession mcp = McpSession.open("cpx-device")) {
            mcp.sh("echo untouched > keep");
            String name = plant(mcp, "device", """
                    add_file('first.txt', b'first')
                    add_device('mem', tarfile.CHRTYPE, 1, 1)
                    add_device('disk', tarfile.BLKTYPE, 8, 0)
                    add_file('suid-root', b'#!/bin/sh', mode=0o4755, uid=0)
                    """);

            ToolResponse restored = mcp.call("restore", Map.of("checkpoint", name));

            assertThat(McpSession.structured(restored).getString("reason")).isEqualTo("ARCHIVE_FAILED");
            assertThat(mcp.sh("ls")).isEqualTo("keep\n");
            assertThat(Files.list(conversationDir(mcp)).map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("transfer-")).toList()).isEmpty();
        }
    }

    /** Plants a hostile archive as a checkpoint of the anonymous principal ({@link HostileArchives}). */
    private String plant(McpSession mcp, String base, String members) throws Exception {
        String name = name(base);
        HostileArchives.plant(HostileArchives.checkpointDir(name), name, canary, canaryDir, members);
        mcp.sh("true");
        return name;
    }

    private static Path archive(String name) throws Exception {
        return HostileArchives.checkpointDir(name).resolve("archive.tar");
    }

    private static Path workspaceOf(McpSession mcp) {
        return conversationDir(mcp).resolve("workspace").toAbsolutePath();
    }

    private static Path conversationDir(McpSession mcp) {
        String id = McpSession.structured(mcp.call("sandbox_info", Map.of())).getString("conversation_id");
        return Path.of("target/agentbox-test-state/conversations", id);
    }

    private static String name(String base) {
        return "cpx-" + base + "-" + McpSession.RUN;
    }
}
