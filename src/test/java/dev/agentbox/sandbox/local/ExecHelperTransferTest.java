package dev.agentbox.sandbox.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vertx.core.json.JsonObject;

/**
 * The exec helper's two abilities for workspace transfers, run directly: {@code run --stdout} writes a command's
 * output to a new file only (never an existing one, never through a symlink), bounded by {@code --fsize}; and
 * {@code exchange} swaps two directories in one step.
 */
class ExecHelperTransferTest {

    @TempDir
    Path dir;

    private Path helper;

    @BeforeEach
    void installHelper() throws IOException {
        helper = ExecHelper.install(dir.resolve("bin"));
    }

    @Test
    void stdoutGoesToANewFileAndTheCaptureStaysEmpty() throws Exception {
        Path out = dir.resolve("archive");

        JsonObject exit = run(out, null, "sh", "-c", "echo to-the-file; echo to-stderr >&2");

        assertThat(exit.getInteger("exitCode")).isZero();
        assertThat(Files.readString(out)).isEqualTo("to-the-file\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out))).isEqualTo("rw-------");
        assertThat(exit.getLong("stdoutBytes")).isZero();
        assertThat(exit.getLong("stderrBytes")).isEqualTo(10);
    }

    @Test
    void anExistingFileOrASymlinkIsNeverWrittenThrough() throws Exception {
        Path existing = Files.writeString(dir.resolve("existing"), "keep\n");
        Path target = Files.writeString(dir.resolve("target"), "keep\n");
        Path link = Files.createSymbolicLink(dir.resolve("link"), target);
        Path dangling = Files.createSymbolicLink(dir.resolve("dangling"), dir.resolve("would-be-created"));

        JsonObject onExisting = run(existing, null, "echo", "pwned");
        JsonObject onLink = run(link, null, "echo", "pwned");
        JsonObject onDangling = run(dangling, null, "echo", "pwned");

        assertThat(onExisting.getString("error")).contains("open stdout").contains("File exists");
        assertThat(onLink.getString("error")).contains("open stdout");
        assertThat(onDangling.getString("error")).contains("open stdout");
        assertThat(onExisting.getInteger("childPid")).isZero();
        assertThat(Files.readString(existing)).isEqualTo("keep\n");
        assertThat(Files.readString(target)).isEqualTo("keep\n");
        assertThat(dir.resolve("would-be-created")).doesNotExist();
    }

    @Test
    void theFileSizeLimitBoundsTheOutputFile() throws Exception {
        Path out = dir.resolve("bounded");

        JsonObject exit = run(out, 4096L, "head", "-c", "100000", "/dev/zero");

        assertThat(exit.getInteger("signal")).isEqualTo(25);
        assertThat(Files.size(out)).isEqualTo(4096);
    }

    @Test
    void exchangeSwapsTwoDirectoriesAndRefusesAMissingOne() throws Exception {
        Path a = Files.createDirectory(dir.resolve("a"));
        Path b = Files.createDirectory(dir.resolve("b"));
        Files.writeString(a.resolve("from-a"), "a");
        Files.writeString(b.resolve("from-b"), "b");

        ExecHelper.exchange(helper, a, b);

        assertThat(a.resolve("from-b")).exists();
        assertThat(b.resolve("from-a")).exists();
        try {
            ExecHelper.exchange(helper, a, dir.resolve("missing"));
            throw new AssertionError("exchange with a missing directory succeeded");
        } catch (IOException expected) {
            assertThat(expected.getMessage()).contains("No such file or directory");
        }
        assertThat(a.resolve("from-b")).exists();
    }

    private JsonObject run(Path stdout, Long fsize, String... command) throws Exception {
        Path record = Files.createTempDirectory(dir, "record");
        List<String> argv = new ArrayList<>(List.of(helper.toString(), "run", "--record", record.toString(),
                "--stdout", stdout.toString()));
        if (fsize != null) {
            argv.addAll(List.of("--fsize", fsize.toString()));
        }
        argv.add("--");
        argv.addAll(List.of(command));
        Process process = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(output).isZero();
        return new JsonObject(Files.readString(record.resolve("exit")));
    }
}
