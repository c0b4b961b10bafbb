package dev.agentbox.sandbox.local;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * The native helper {@code agentbox-exec} (see {@code docs/exec-helper.md}): the build packages it as a resource; the
 * server installs it under its state directory, where it runs as root.
 */
final class ExecHelper {

    private static final String RESOURCE = "/native/agentbox-exec";

    private ExecHelper() {
    }

    /**
     * Installs the packaged helper into {@code binDir}, unless an identical copy is there already.
     *
     * @return the path of the installed binary
     * @throws IOException when the binary is not packaged (the build could not compile it) or cannot be written
     */
    static Path install(Path binDir) throws IOException {
        byte[] binary;
        try (InputStream in = ExecHelper.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IOException("The exec helper is not packaged (resource " + RESOURCE
                        + " is missing): build with a C compiler available (see README).");
            }
            binary = in.readAllBytes();
        }
        Files.createDirectories(binDir);
        Path target = binDir.resolve("agentbox-exec-" + shortHash(binary));
        if (Files.isExecutable(target) && Arrays.equals(Files.readAllBytes(target), binary)) {
            return target;
        }
        Path temp = Files.createTempFile(binDir, ".agentbox-exec", ".tmp");
        Files.write(temp, binary);
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return target;
    }

    /**
     * Swaps two directory entries in one step (the helper's {@code exchange}): whoever looks sees either the old pair
     * or the new one, also after a crash.
     *
     * @throws IOException when the swap did not happen
     */
    static void exchange(Path helper, Path first, Path second) throws IOException {
        Process process = new ProcessBuilder(helper.toString(), "exchange", first.toString(), second.toString())
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        String output = new String(process.getInputStream().readNBytes(4096), java.nio.charset.StandardCharsets.UTF_8);
        try {
            if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IOException(output.isBlank() ? "exchange did not finish" : output.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("exchange interrupted", e);
        }
    }

    private static String shortHash(byte[] data) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(data);
            return java.util.HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
