package dev.agentbox.egress;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test hosts for egress tests, made on this machine only: each host is a network namespace joined to the host by a veth
 * pair, with an address from 198.18.0.0/15 (the range set aside for benchmarks, never routed on the internet) and a
 * small HTTP server on the ports asked for. The range and the names depend on the test run's id, so that test runs of
 * several checkouts never meet. {@link #close()} removes every namespace, interface and process made here.
 */
public final class TestHosts implements AutoCloseable {

    /** The test run's id, as in HostInspection. */
    private static final String TEST_ID = System.getProperty("agentbox.test.id", "test");
    /** The third octet of this run's test host range (198.18.N.0/24): from the run's uid base. */
    public static final int OCTET = (Integer.getInteger("agentbox.test.uid-base", 2000000) / 100000) % 256;
    private static final String TAG = Integer.toString(Math.abs(TEST_ID.hashCode()) % 46656, 36);

    /**
     * Answers every GET with {@code <name> port <port> path <path>}; {@code /bytes/N} answers N bytes; POST echoes the
     * length of what it received.
     */
    private static final String SERVER = """
            import http.server, socketserver, sys, threading
            name = sys.argv[1]
            class Handler(http.server.BaseHTTPRequestHandler):
                protocol_version = "HTTP/1.1"
                def log_message(self, *args):
                    pass
                def do_GET(self):
                    port = self.server.server_address[1]
                    if self.path.startswith("/bytes/"):
                        n = int(self.path[7:])
                        self.send_response(200)
                        self.send_header("Content-Length", str(n))
                        self.end_headers()
                        chunk = b"x" * 65536
                        while n > 0:
                            self.wfile.write(chunk[:min(n, 65536)])
                            n -= 65536
                        return
                    body = ("%s port %d path %s\\n" % (name, port, self.path)).encode()
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                def do_POST(self):
                    n = int(self.headers.get("Content-Length", "0"))
                    data = self.rfile.read(n)
                    body = ("%s received %d bytes\\n" % (name, len(data))).encode()
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
            class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
                daemon_threads = True
                allow_reuse_address = True
                request_queue_size = 512
            servers = [Server(("0.0.0.0", int(p)), Handler) for p in sys.argv[2:]]
            for s in servers[1:]:
                threading.Thread(target=s.serve_forever, daemon=True).start()
            print("ready", flush=True)
            servers[0].serve_forever()
            """;

    private final List<String> namespaces = new ArrayList<>();
    private final List<String> links = new ArrayList<>();
    private final List<Process> servers = new ArrayList<>();

    /**
     * @param index which host, from 1 (at most 60)
     * @return the address of the test host with that index
     */
    public static String address(int index) {
        return "198.18." + OCTET + "." + (4 * index + 2);
    }

    /**
     * Makes a test host and starts its HTTP server.
     *
     * @param index which host, from 1 (at most 60)
     * @param name what the server says it is
     * @param ports the ports it listens on
     * @return the host's address
     */
    public String start(int index, String name, int... ports) throws IOException, InterruptedException {
        String namespace = "abt" + TAG + "h" + index;
        String link = "abt" + TAG + "v" + index;
        String hostSide = "198.18." + OCTET + "." + (4 * index + 1);
        cleanup(namespace, link);
        run("ip", "netns", "add", namespace);
        namespaces.add(namespace);
        run("ip", "link", "add", link, "type", "veth", "peer", "name", "eth0", "netns", namespace);
        links.add(link);
        run("ip", "addr", "add", hostSide + "/30", "dev", link);
        run("ip", "link", "set", link, "up");
        run("ip", "-n", namespace, "addr", "add", address(index) + "/30", "dev", "eth0");
        run("ip", "-n", namespace, "link", "set", "eth0", "up");
        run("ip", "-n", namespace, "link", "set", "lo", "up");
        List<String> command = new ArrayList<>(List.of("nsenter", "--net=/run/netns/" + namespace, "python3", "-c",
                SERVER, name));
        for (int port : ports) {
            command.add(Integer.toString(port));
        }
        Process server = new ProcessBuilder(command).redirectErrorStream(true).start();
        servers.add(server);
        String line = new String(server.getInputStream().readNBytes(6), StandardCharsets.UTF_8);
        if (!line.equals("ready\n")) {
            throw new IllegalStateException("Test host " + name + " did not start: " + line
                    + new String(server.getInputStream().readNBytes(2000), StandardCharsets.UTF_8));
        }
        return address(index);
    }

    /** @return whether any interface or namespace of this run's test hosts exists */
    public static boolean anyLeft() {
        return Files.exists(Path.of("/run/netns")) && Path.of("/run/netns").toFile().list((d, n) -> n.startsWith(
                "abt" + TAG)).length > 0;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        for (Process server : servers) {
            server.destroyForcibly();
            server.waitFor(10, TimeUnit.SECONDS);
        }
        for (int i = 0; i < namespaces.size(); i++) {
            cleanup(namespaces.get(i), links.get(i));
        }
    }

    private static void cleanup(String namespace, String link) throws IOException, InterruptedException {
        if (Files.exists(Path.of("/sys/class/net", link))) {
            run("ip", "link", "del", link);
        }
        if (Files.exists(Path.of("/run/netns", namespace))) {
            run("ip", "netns", "del", namespace);
        }
    }

    /** Runs a command on the host; fails with its output when it fails. */
    public static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(20, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + output);
        }
        return output;
    }
}
