package dev.agentbox.sandbox.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.agentbox.sandbox.ExecRequest;
import dev.agentbox.sandbox.ExecResult;
import dev.agentbox.sandbox.Isolation;

/**
 * Measures the isolation a local sandbox actually gets on this host: it starts a sandbox, runs a probe inside and
 * compares what the probe sees with what the server sees. Configuration is never taken as proof.
 */
final class HostProbe {

    private static final String[] NAMESPACES = { "pid", "mnt", "ipc", "uts", "cgroup", "net" };

    private static final String SCRIPT = """
            echo "uid=$(id -u)"
            grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status | tr -d ' \\t' | tr ':' '='
            for n in pid mnt ipc uts cgroup net; do echo "ns_$n=$(readlink /proc/self/ns/$n)"; done
            echo "ifaces=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\\n' ',')"
            if touch /usr/.agentbox-probe 2>/dev/null; then echo usr_ro=no; rm -f /usr/.agentbox-probe; \
            else echo usr_ro=yes; fi
            echo "tmp_file=$(mktemp /tmp/agentbox-probe.XXXXXXXX)"
            """;

    private HostProbe() {
    }

    /**
     * @param sandbox a fresh sandbox to probe
     * @param uid the user id its commands should run as
     * @param cgroups whether the sandbox was given cgroup limits
     * @return the isolation measured
     */
    static Isolation measure(LocalSandbox sandbox, int uid, boolean cgroups) throws IOException {
        ExecResult result = sandbox.exec(new ExecRequest(List.of("/bin/sh", "-c", SCRIPT), null,
                SandboxLayout.WORKSPACE, Map.of(), Duration.ofSeconds(10), 16384, 0)).await()
                .atMost(Duration.ofSeconds(30));
        Map<String, String> seen = parse(new String(result.stdout().head(), StandardCharsets.UTF_8));
        List<String> missing = new ArrayList<>();
        if (result.exitCode() == null || result.exitCode() != 0) {
            missing.add("the isolation probe failed: " + (result.startError() != null ? result.startError()
                    : new String(result.stderr().head(), StandardCharsets.UTF_8).trim()));
        }

        List<String> namespaces = new ArrayList<>();
        for (String ns : NAMESPACES) {
            String own = Files.readSymbolicLink(Path.of("/proc/self/ns", ns)).toString();
            String inside = seen.get("ns_" + ns);
            if (inside != null && !inside.isEmpty() && !inside.equals(own)) {
                namespaces.add(ns.equals("mnt") ? "mount" : ns);
            } else {
                missing.add("no " + ns + " namespace of its own");
            }
        }
        boolean ownUid = Integer.toString(uid).equals(seen.get("uid"));
        boolean noCaps = "0000000000000000".equals(seen.get("CapEff"))
                && "0000000000000000".equals(seen.get("CapBnd"));
        boolean noNewPrivs = "1".equals(seen.get("NoNewPrivs"));
        boolean seccomp = "2".equals(seen.get("Seccomp"));
        boolean readOnlySystem = "yes".equals(seen.get("usr_ro"));
        String tmpFile = seen.getOrDefault("tmp_file", "");
        boolean privateTmp = !tmpFile.isEmpty() && !Files.exists(Path.of(tmpFile));
        String ifaces = seen.getOrDefault("ifaces", "");
        String network = "lo,".equals(ifaces) ? "none" : "interfaces: " + ifaces;
        addIfFalse(missing, ownUid, "commands do not run as the conversation's own user id");
        addIfFalse(missing, noCaps, "commands keep capabilities");
        addIfFalse(missing, noNewPrivs, "no_new_privs is not set");
        addIfFalse(missing, seccomp, "no seccomp filter");
        addIfFalse(missing, readOnlySystem, "/usr is writable");
        addIfFalse(missing, privateTmp, "/tmp is not private");
        addIfFalse(missing, network.equals("none"), "the sandbox has network interfaces besides loopback");
        boolean isolated = missing.isEmpty();
        List<String> limits = cgroups ? List.of("memory", "pids", "cpu") : List.of();
        if (!cgroups) {
            missing.add("no cgroup limits (memory, pids, cpu) and no whole-tree kill through the freezer");
        }
        Isolation.Level level = !isolated ? Isolation.Level.NONE
                : cgroups ? Isolation.Level.FULL : Isolation.Level.PARTIAL;
        return new Isolation(level, namespaces, readOnlySystem, privateTmp, ownUid, noCaps, noNewPrivs, seccomp,
                limits, network, missing);
    }

    private static void addIfFalse(List<String> missing, boolean ok, String problem) {
        if (!ok) {
            missing.add(problem);
        }
    }

    private static Map<String, String> parse(String output) {
        Map<String, String> values = new HashMap<>();
        for (String line : output.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                values.put(line.substring(0, eq), line.substring(eq + 1).trim());
            }
        }
        return values;
    }
}
