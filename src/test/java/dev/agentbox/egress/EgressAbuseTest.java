package dev.agentbox.egress;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.agentbox.McpSession;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.json.JsonObject;

/**
 * What a sandbox gets when it tries to get around its egress rules: names that resolve inside the host or the cloud,
 * addresses without a rule, malformed and huge proxy requests, thousands of connections at once, changes to its own
 * network. Refused or bounded, with the proxy and other conversations unaffected.
 */
@QuarkusTest
@TestProfile(EgressTestProfile.class)
class EgressAbuseTest {

    private static final Map<String, String> TRAPS = Map.of("Agentbox-Egress-Profile", "traps");
    private static TestHosts hosts;

    /** Sends raw requests to the proxy from inside the sandbox and prints the status line of each answer. */
    private static final String RAW = """
            import os, socket, sys
            host, port = os.environ["HTTP_PROXY"][7:].rsplit(":", 1)
            def ask(data):
                s = socket.create_connection((host, int(port)), timeout=10)
                try:
                    s.sendall(data)
                except OSError:
                    pass
                try:
                    answer = s.recv(200).split(b"\\r\\n")[0].decode()
                except OSError as e:
                    answer = "error " + type(e).__name__
                s.close()
                return answer or "closed"
            print(ask(b"GARBAGE\\r\\n\\r\\n"))
            print(ask(b"CONNECT api.internal.test HTTP/1.1\\r\\n\\r\\n"))
            print(ask(b"CONNECT api.internal.test:99999 HTTP/1.1\\r\\n\\r\\n"))
            print(ask(b"CONNECT bad\\x01host:80 HTTP/1.1\\r\\n\\r\\n"))
            print(ask(b"GET /relative HTTP/1.1\\r\\nHost: api.internal.test\\r\\n\\r\\n"))
            print(ask(b"GET http://api.internal.test:8080/ HTTP/1.1\\r\\nX-Big: " + b"a" * (1 << 20) + b"\\r\\n\\r\\n"))
            print(ask(b"GET http://api.internal.test:8080/ok HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n"))
            """;

    /** Opens thousands of connections to the proxy at once and counts how each was answered. */
    private static final String FLOOD = """
            import os, socket, time, collections
            host, port = os.environ["HTTP_PROXY"][7:].rsplit(":", 1)
            socks, failed = [], 0
            for i in range(2000):
                s = socket.socket()
                s.settimeout(10)
                try:
                    s.connect((host, int(port)))
                    socks.append(s)
                except OSError:
                    failed += 1
                    s.close()
            time.sleep(2)
            counts = collections.Counter()
            for s in socks:
                s.setblocking(False)
                try:
                    data = s.recv(100)
                    counts["429" if b" 429 " in data else "closed" if not data else "other"] += 1
                except BlockingIOError:
                    counts["waiting"] += 1
                except OSError:
                    counts["reset"] += 1
            print("connect-failed", failed)
            for k in sorted(counts):
                print(k, counts[k])
            for s in socks:
                s.close()
            """;

    @BeforeAll
    static void startHosts() throws Exception {
        hosts = new TestHosts();
        hosts.start(EgressTestProfile.API, "api", 8080);
        hosts.start(EgressTestProfile.BY_ADDRESS, "by-address", 8080);
    }

    @AfterAll
    static void stopHosts() throws Exception {
        hosts.close();
        assertThat(TestHosts.anyLeft()).as("test host namespaces left").isFalse();
    }

    @Test
    void namesResolvingToPrivateLinkLocalOrLoopbackAddressesAreRefused() {
        try (McpSession mcp = McpSession.open("egress-rebind", TRAPS)) {
            String out = mcp.bash(String.join("; ", "curl -sS --max-time 10 http://private.test:8080/",
                    "curl -sS --max-time 10 http://metadata.test/latest/meta-data/",
                    "curl -sS --max-time 10 http://loopback.test:8080/")).getString("stdout");

            assertThat(out.lines().toList()).containsExactly(
                    "EGRESS_BLOCKED: private.test:8080 is not allowed by egress profile 'traps': the name resolves to "
                            + "the internal address 10.255.255.1, which no address rule of the profile covers.",
                    "EGRESS_BLOCKED: metadata.test:80 is not allowed by egress profile 'traps': the name resolves to "
                            + "169.254.169.254, a loopback, link-local, multicast or unspecified address, which is "
                            + "never reachable.",
                    "EGRESS_BLOCKED: loopback.test:8080 is not allowed by egress profile 'traps': the name resolves to "
                            + "127.0.0.1, a loopback, link-local, multicast or unspecified address, which is never "
                            + "reachable.");
        }
    }

    @Test
    void addressesNeedAnAddressRuleAndWildcardsMatchOnlyBelowTheirDomain() {
        try (McpSession mcp = McpSession.open("egress-literal", TRAPS)) {
            String byRule = mcp.sh("curl -sS --max-time 10 http://" + TestHosts.address(EgressTestProfile.BY_ADDRESS)
                    + ":8080/rule");
            String byName = mcp.sh("curl -sS --max-time 10 http://deep.name.wild.test:8080/wild");
            String refused = mcp.bash(String.join("; ",
                    "curl -sS --max-time 10 http://" + TestHosts.address(EgressTestProfile.API) + ":8080/",
                    "NO_PROXY= no_proxy= curl -sS --max-time 10 http://[::1]:8080/",
                    "curl -sS --max-time 10 http://wild.test:8080/",
                    "curl -sS --max-time 10 http://169.254.169.254/")).getString("stdout");

            assertThat(byRule).isEqualTo("by-address port 8080 path /rule\n");
            assertThat(byName).isEqualTo("api port 8080 path /wild\n");
            assertThat(refused.lines().toList()).hasSize(4).allSatisfy(l -> assertThat(l).startsWith("EGRESS_BLOCKED:"));
            assertThat(refused).contains("no address rule of the profile covers " + TestHosts.address(
                    EgressTestProfile.API) + " port 8080").contains("wild.test:8080 is not allowed")
                    .contains("::1, a loopback");
        }
    }

    @Test
    void malformedAndHugeRequestsAreRefusedAndTheProxyServesTheNextOne() {
        try (McpSession mcp = McpSession.open("egress-malformed", TRAPS)) {
            mcp.call("write_file", Map.of("path", "raw.py", "content", RAW));

            String out = mcp.sh("python3 raw.py");

            assertThat(out.lines().toList()).containsExactly("HTTP/1.1 400 Bad Request", "HTTP/1.1 400 Bad Request",
                    "HTTP/1.1 400 Bad Request", "HTTP/1.1 400 Bad Request", "HTTP/1.1 400 Bad Request",
                    "HTTP/1.1 431 Request Header Fields Too Large", "HTTP/1.1 200 OK");
        }
    }

    @Test
    void thousandsOfConnectionsAtOnceAreBoundedAndOtherConversationsGoOn() {
        try (McpSession flood = McpSession.open("egress-flood", TRAPS);
                McpSession other = McpSession.open("egress-bystander", Map.of("Agentbox-Egress-Profile", "api"))) {
            flood.call("write_file", Map.of("path", "flood.py", "content", FLOOD));
            JsonObject started = flood.bash("python3 flood.py > flood.out 2>&1", true);

            String meanwhile = other.sh("sleep 1; curl -sS --max-time 10 http://api.internal.test:8080/meanwhile");
            JsonObject done = McpSession.structured(flood.call("job_output", Map.of("job_id",
                    started.getString("job_id"), "wait_seconds", 40)));
            String counts = flood.sh("while [ ! -s flood.out ] || ! grep -q waiting flood.out; do sleep 0.2; done;"
                    + " cat flood.out");
            String after = flood.sh("curl -sS --max-time 10 http://api.internal.test:8080/after");

            assertThat(done).isNotNull();
            assertThat(meanwhile).isEqualTo("api port 8080 path /meanwhile\n");
            assertThat(counts).contains("connect-failed 0").contains("waiting 32").contains("429 1968");
            assertThat(after).isEqualTo("api port 8080 path /after\n");
        }
    }

    @Test
    void aSandboxCannotChangeItsNetworkOrSendFromAnotherAddress() {
        try (McpSession mcp = McpSession.open("egress-forge", TRAPS)) {
            String out = mcp.bash(String.join("; ", "ip addr add 10.1.2.3/32 dev eth0 2>&1",
                    "ip link set eth0 down 2>&1", "ip route del default 2>&1", "nft list ruleset 2>&1 | head -1",
                    "curl -sS --max-time 10 http://api.internal.test:8080/still")).getString("stdout");

            assertThat(out).contains("RTNETLINK answers: Operation not permitted").contains("Operation not permitted")
                    .endsWith("api port 8080 path /still\n");
            assertThat(out.lines().filter(l -> l.contains("Operation not permitted")).count()).isGreaterThanOrEqualTo(4);
        }
    }
}
