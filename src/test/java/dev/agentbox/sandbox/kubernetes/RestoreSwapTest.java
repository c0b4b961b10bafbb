package dev.agentbox.sandbox.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The first step of every pod on a claim, run on a directory standing for the claim in each state a restore can leave
 * it in, including every point at which a pod could die halfway through the swap: the workspace afterwards is always
 * either the old one or the complete new one, never a mix and never missing.
 */
class RestoreSwapTest {

    @TempDir
    Path volume;

    @Test
    void aClaimWithoutRestoreKeepsItsWorkspace() throws Exception {
        write("workspace/f", "old");

        finish();

        assertThat(read("workspace/f")).isEqualTo("old");
        assertThat(volume.resolve("restore")).doesNotExist();
    }

    @Test
    void anExtractionThatWasNotMarkedCompleteIsThrownAway() throws Exception {
        write("workspace/f", "old");
        write("restore/workspace/f", "half");
        Files.createDirectories(volume.resolve("restore/outcome"));

        finish();

        assertThat(read("workspace/f")).isEqualTo("old");
        assertThat(volume.resolve("restore")).doesNotExist();
    }

    @Test
    void aCompleteExtractionReplacesTheWorkspace() throws Exception {
        write("workspace/f", "old");
        write("workspace/only-old", "old");
        write("restore/workspace/f", "new");
        write("restore/outcome/complete", "");

        finish();

        assertThat(read("workspace/f")).isEqualTo("new");
        assertThat(volume.resolve("workspace/only-old")).doesNotExist();
        assertThat(volume.resolve("restore")).doesNotExist();
    }

    @Test
    void aSwapThatDiedBetweenItsRenamesIsFinished() throws Exception {
        write("restore/old/f", "old");
        write("restore/workspace/f", "new");
        write("restore/outcome/complete", "");

        finish();

        assertThat(read("workspace/f")).isEqualTo("new");
        assertThat(volume.resolve("restore")).doesNotExist();
    }

    @Test
    void aSwapThatDiedBeforeItsCleanUpIsCleanedUp() throws Exception {
        write("workspace/f", "new");
        write("restore/old/f", "old");
        write("restore/outcome/complete", "");

        finish();

        assertThat(read("workspace/f")).isEqualTo("new");
        assertThat(volume.resolve("restore")).doesNotExist();
    }

    @Test
    void aLeftoverOldWorkspaceFromAnEarlierSwapDoesNotCatchTheNewOne() throws Exception {
        write("workspace/f", "current");
        write("restore/old/f", "older");
        write("restore/workspace/f", "new");
        write("restore/outcome/complete", "");

        finish();

        assertThat(read("workspace/f")).isEqualTo("new");
        assertThat(volume.resolve("workspace/workspace")).doesNotExist();
        assertThat(volume.resolve("restore")).doesNotExist();
    }

    private void finish() throws IOException, InterruptedException {
        Process process = new ProcessBuilder("/bin/sh", "-c",
                PodTemplates.FINISH_RESTORE.replace("/data", volume.toString())).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
    }

    private void write(String path, String content) throws IOException {
        Path file = volume.resolve(path);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }

    private String read(String path) throws IOException {
        return Files.readString(volume.resolve(path));
    }
}
