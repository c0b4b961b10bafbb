package dev.agentbox.sandbox.kubernetes;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jboss.logging.Logger;

import dev.agentbox.sandbox.ExecRequest;
import dev.agentbox.sandbox.ExecResult;
import dev.agentbox.sandbox.Isolation;

/**
 * Measures, from inside the first sandbox pod that becomes ready, the isolation its commands actually get: user,
 * capabilities, no_new_privs, seccomp, a read-only system, the runtime (gVisor or the node's kernel), the network
 * interfaces. Until then the isolation is reported as not measured. What a pod spec promises but a command cannot see
 * (per-pod mount and IPC namespaces, the resource limits the kubelet enforces) is reported as Kubernetes provides it.
 */
final class PodIsolationProbe {

    private static final Logger LOG = Logger.getLogger(PodIsolationProbe.class);

    /** Prints one {@code key=value} per line; runs as a normal command, through the exec helper. */
    static final String SCRIPT = """
            echo "uid=$(id -u)"
            sed -n 's/^\\(CapEff\\|NoNewPrivs\\|Seccomp\\):[[:space:]]*/\\1=/p' /proc/self/status
            echo "kernel=$(uname -r)"
            if grep -qi gvisor /proc/version 2>/dev/null || dmesg 2>/dev/null | grep -qi gvisor; then echo gvisor=yes; fi
            if touch /usr/.agentbox-probe 2>/dev/null; then
                rm -f /usr/.agentbox-probe; echo rootfs=writable
            else
                echo rootfs=read-only
            fi
            echo "pid1=$(tr '\\0' ' ' < /proc/1/cmdline | cut -c1-60)"
            echo "interfaces=$(ls /sys/class/net 2>/dev/null | tr '\\n' ' ')"
            """;

    private final KubernetesConfig config;
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile Isolation isolation;

    PodIsolationProbe(KubernetesConfig config) {
        this.config = config;
        this.isolation = notMeasured("not measured yet: it is measured in the first sandbox pod");
    }

    /**
     * @return the isolation as measured, or a placeholder that says it is not
     */
    Isolation isolation() {
        return isolation;
    }

    static Isolation notStarted() {
        return notMeasured("the kubernetes backend has not started");
    }

    private static Isolation notMeasured(String why) {
        return new Isolation(Isolation.Level.NONE, List.of(), false, false, false, false, false, false, List.of(),
                "unknown", List.of(why));
    }

    /** Measures in this sandbox, once per server process; later calls do nothing. */
    void measureOnce(PodSandbox sandbox, Executor executor) {
        if (!started.compareAndSet(false, true)) {
            return;
        }
        ExecRequest request = new ExecRequest(List.of("/bin/bash", "--noprofile", "--norc", "-c", SCRIPT),
                new byte[0], PodTemplates.WORKSPACE, Map.of(), Duration.ofSeconds(20), 16384, 0);
        sandbox.exec(request).subscribe().with(result -> {
            if (result.startError() != null || !Integer.valueOf(0).equals(result.exitCode())) {
                started.set(false);
                LOG.warnf("Sandbox isolation not measured: the probe did not run [exit: %s, error: %s]",
                        result.exitCode(), result.startError());
                return;
            }
            isolation = measure(result);
            LOG.infof("Sandbox isolation measured [level: %s, summary: %s]", isolation.level(), isolation.summary());
        }, failure -> {
            started.set(false);
            LOG.warnf("Sandbox isolation not measured; trying again with the next sandbox [cause: %s]",
                    failure.getMessage());
        });
    }

    private Isolation measure(ExecResult result) {
        Map<String, String> facts = new HashMap<>();
        for (String line : new String(result.stdout().head(), StandardCharsets.UTF_8).split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                facts.put(line.substring(0, eq), line.substring(eq + 1).strip());
            }
        }
        List<String> missing = new ArrayList<>();
        boolean ownUid = !"0".equals(facts.get("uid")) && facts.containsKey("uid");
        boolean noCaps = facts.getOrDefault("CapEff", "x").matches("0+");
        boolean noNewPrivs = "1".equals(facts.get("NoNewPrivs"));
        boolean seccomp = "2".equals(facts.get("Seccomp"));
        boolean readOnly = "read-only".equals(facts.get("rootfs"));
        boolean gvisor = "yes".equals(facts.get("gvisor"));
        if (!ownUid) {
            missing.add("commands run as root");
        }
        if (!noCaps) {
            missing.add("commands keep capabilities (" + facts.get("CapEff") + ")");
        }
        if (!noNewPrivs) {
            missing.add("no_new_privs is not set");
        }
        if (!seccomp) {
            missing.add("no seccomp filter");
        }
        if (!readOnly) {
            missing.add("the system directories are writable");
        }
        if (!gvisor) {
            missing.add("the pod runs on the node's kernel " + facts.getOrDefault("kernel", "?")
                    + ", not gVisor (runtime class '" + config.runtimeClass() + "')");
        }
        missing.add("no per-sandbox process limit: agentbox.sandbox.limits.pids is not enforced on Kubernetes "
                + "(the kubelet's podPidsLimit applies if the cluster sets one)");
        Isolation.Level level = !ownUid || !noCaps ? Isolation.Level.NONE : Isolation.Level.PARTIAL;
        String interfaces = facts.getOrDefault("interfaces", "").strip();
        String network = interfaces.isEmpty() || "lo".equals(interfaces) ? "none (loopback only)"
                : "pod network (" + interfaces + "); egress as the namespace's NetworkPolicies allow";
        return new Isolation(level, List.of("pod: pid, mount, ipc, uts, net" + (gvisor ? " (gVisor)" : "")), readOnly,
                true, ownUid, noCaps, noNewPrivs, seccomp, List.of("memory", "cpu", "ephemeral-storage"), network,
                missing);
    }
}
