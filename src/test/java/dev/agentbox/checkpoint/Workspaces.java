package dev.agentbox.checkpoint;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

import dev.agentbox.McpSession;

/**
 * Helpers for checkpoint tests: a workspace full of the things a restore must bring back, a manifest that describes a
 * workspace byte for byte, and where the test server's store keeps a principal's checkpoints.
 */
public final class Workspaces {

    /** The store of the test profile: below the local backend's test state directory. */
    static final Path STORE = Path.of("target/agentbox-test-state/checkpoints");

    /**
     * Builds files of every kind in the workspace: text and random binary content, modes from 0600 to 0755, a private
     * directory, an empty directory, names with spaces, a newline and a leading dash, symlinks inside (to a file, to a
     * directory, dangling) and one to a host path, a hard link pair, a FIFO, and fixed modification times.
     */
    public static final String MIXED = """
            set -e
            mkdir -p src/main 'with space' empty private/deeper
            printf 'line one\\nline two\\n' > src/main/App.java
            head -c 300000 /dev/urandom > src/blob.bin
            printf '#!/bin/sh\\necho run\\n' > run.sh && chmod 0755 run.sh
            printf 'secret\\n' > private/key && chmod 0600 private/key && chmod 0700 private
            printf 'deep\\n' > private/deeper/x
            echo spaced > 'with space/a b.txt'
            echo dash > ./-dash.txt
            echo newline > "$(printf 'new\\nline.txt')"
            ln -s src/main/App.java app-link
            ln -s src dir-link
            ln -s does/not/exist dangling
            ln -s /etc/passwd host-link
            echo same > hard-a && ln hard-a hard-b
            mkfifo pipe
            chmod 0640 src/main/App.java
            touch -d '2020-01-02 03:04:05.123456789' src/main/App.java run.sh
            """;

    /** Prints every entry's path, type, mode, size, link target, link count and times, then every file's checksum. */
    public static final String MANIFEST = """
            cd /workspace
            find . -mindepth 1 -printf '%P|%y|%m|%s|%l|%n|%T@\\n' | LC_ALL=C sort
            find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
            """;

    private Workspaces() {
    }

    static String manifest(McpSession mcp) {
        return mcp.sh(MANIFEST);
    }

    /** The directory of a checkpoint in the test store. */
    static Path checkpointDir(String principal, String name) throws Exception {
        String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(principal.getBytes(StandardCharsets.UTF_8))).substring(0, 32);
        return STORE.resolve("principals").resolve(hash).resolve(name);
    }

    /** A checkpoint name unique to this test run. */
    static String name(String base) {
        return base + "-" + McpSession.RUN;
    }
}
