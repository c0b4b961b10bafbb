package dev.agentbox.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;

import dev.agentbox.McpSession;
import io.vertx.core.json.JsonObject;

/**
 * Hostile archives for restore tests, written with Python's tarfile and planted in the test store as checkpoints with
 * correct records, as someone with write access to the store could: the checksum cannot help then, the extraction
 * must.
 */
final class HostileArchives {

    private static final String PRELUDE = """
            import io, sys, tarfile
            canary, canary_dir, out = sys.argv[1], sys.argv[2], sys.argv[3]
            tar = tarfile.open(out, 'w', format=tarfile.GNU_FORMAT)
            def add_file(name, data, mode=0o644, uid=2000):
                info = tarfile.TarInfo(name); info.size = len(data); info.mode = mode; info.uid = uid
                tar.addfile(info, io.BytesIO(data))
            def add_link(name, target):
                info = tarfile.TarInfo(name); info.type = tarfile.SYMTYPE; info.linkname = target
                tar.addfile(info)
            def add_hardlink(name, target):
                info = tarfile.TarInfo(name); info.type = tarfile.LNKTYPE; info.linkname = target
                tar.addfile(info)
            def add_device(name, kind, major, minor):
                info = tarfile.TarInfo(name); info.type = kind; info.devmajor = major; info.devminor = minor
                tar.addfile(info)
            """;

    private static final Path STORE = Path.of("target/agentbox-test-state/checkpoints");

    private HostileArchives() {
    }

    /** Where the test store keeps a checkpoint of the anonymous principal. */
    static Path checkpointDir(String name) throws Exception {
        String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest("anonymous".getBytes(StandardCharsets.UTF_8))).substring(0, 32);
        return STORE.resolve("principals").resolve(hash).resolve(name);
    }

    /**
     * @param dir the checkpoint's directory in the store
     * @param members Python calls of {@code add_file}, {@code add_link}, {@code add_hardlink} and {@code add_device},
     *        which may use {@code canary} and {@code canary_dir}
     */
    static void plant(Path dir, String name, Path canary, Path canaryDir, String members) throws Exception {
        Files.createDirectories(dir);
        Path archive = dir.resolve("archive.tar");
        Process python = new ProcessBuilder("python3", "-c", PRELUDE + members + "tar.close()\n", canary.toString(),
                canaryDir.toString(), archive.toString()).redirectErrorStream(true).start();
        String output = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(python.waitFor()).as(output).isZero();
        byte[] bytes = Files.readAllBytes(archive);
        JsonObject record = new JsonObject().put("name", name).put("principal", "anonymous")
                .put("conversation", McpSession.key("cpx-planted")).put("paths", List.of())
                .put("size_bytes", bytes.length).put("sha256", HexFormat.of().formatHex(MessageDigest
                        .getInstance("SHA-256").digest(bytes)))
                .put("created_at", Instant.now().toString());
        Files.writeString(dir.resolve("checkpoint.json"), record.encode());
    }
}
