package dev.agentbox.bench;

import java.io.InputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server JVM's live heap, read with jcmd after a full GC, so that per-sandbox growth is not lost in garbage.
 */
final class ServerMemory {

    private static final Pattern USED = Pattern.compile("total \\d+K, used (\\d+)K");

    private ServerMemory() {
    }

    /** @return the used heap in bytes after a GC, or -1 when jcmd cannot tell */
    static long liveHeap(long pid) throws Exception {
        run("jcmd", Long.toString(pid), "GC.run");
        Matcher used = USED.matcher(run("jcmd", Long.toString(pid), "GC.heap_info"));
        long total = 0;
        boolean found = false;
        while (used.find()) {
            total += Long.parseLong(used.group(1)) * 1024;
            found = true;
        }
        return found ? total : -1;
    }

    private static String run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (InputStream out = process.getInputStream()) {
            String text = new String(out.readAllBytes());
            process.waitFor();
            return text;
        }
    }
}
