package dev.agentbox.egress.local;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one of the host's network tools ({@code ip}, {@code nft}, {@code nsenter}) and fails with what it printed.
 */
final class HostCommand {

    private HostCommand() {
    }

    /**
     * @param command the program and its arguments
     * @param stdin what to feed it, or {@code null}
     * @return what it printed
     * @throws IOException when it cannot start, runs past 10 s or exits with a status other than 0; the message has its
     *         output
     */
    static String run(List<String> command, String stdin) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (OutputStream in = process.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        String output = new String(process.getInputStream().readNBytes(64 * 1024), StandardCharsets.UTF_8).trim();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(command.get(0) + " did not finish within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IOException(command.get(0) + " was interrupted");
        }
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", command.subList(0, Math.min(3, command.size()))) + " failed ("
                    + process.exitValue() + "): " + (output.length() > 500 ? output.substring(0, 500) : output));
        }
        return output;
    }
}
