package dev.agentbox.security;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.agentbox.McpSession;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/**
 * Requests built to hurt: hostile Host and Origin headers (DNS rebinding, look-alike origins), a 100 MB body, deeply
 * nested JSON, invalid UTF-8. Each gets a clear status, and afterwards the server still serves the same conversation
 * with its files intact.
 */
@QuarkusTest
class HostileRequestTest {

    private static final String INITIALIZE = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":"
            + "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static String base() {
        return "http://127.0.0.1:" + ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
    }

    @AfterEach
    void theServerStillServesAndLostNothing() {
        try (McpSession mcp = McpSession.open("hostile-survivor")) {
            mcp.sh("test -f kept.txt || echo kept > kept.txt");
            assertThat(mcp.sh("cat kept.txt")).isEqualTo("kept\n");
        }
    }

    @Test
    void foreignHostNamesAreRefusedAsDnsRebinding() {
        for (String host : new String[] { "evil.example.com", "evil.example.com:" + port(), "localhost.evil.example",
                "127.0.0.1.nip.io:" + port(), "localhost:1" }) {
            given().header("Host", host).contentType(ContentType.JSON)
                    .header("Accept", "application/json, text/event-stream").body(INITIALIZE).post("/mcp").then()
                    .statusCode(403).body("reason", equalTo("FORBIDDEN"));
            given().header("Host", host).get("/api/tools").then().statusCode(403);
        }
    }

    @Test
    void loopbackNamesAndAddressesAreServed() {
        for (String host : new String[] { "localhost:" + port(), "127.0.0.1:" + port(), "[::1]:" + port(),
                "10.1.2.3:" + port() }) {
            given().header("Host", host).get("/api/tools").then().statusCode(200);
        }
        given().header("Host", "evil.example.com").get("/q/health/live").then().statusCode(200);
    }

    @Test
    void foreignOriginsAreRefusedAndLookAlikesDoNotPass() {
        for (String origin : new String[] { "http://evil.example.com", "http://localhost.evil.example",
                "https://127.0.0.1.evil.example", "null", "file://" }) {
            given().header("Origin", origin).contentType(ContentType.JSON)
                    .header("Accept", "application/json, text/event-stream").body(INITIALIZE).post("/mcp").then()
                    .statusCode(403);
            given().header("Origin", origin).get("/api/tools").then().statusCode(403);
        }
        given().header("Origin", "http://localhost:6274").get("/api/tools").then().statusCode(200);
    }

    @Test
    void aHundredMegabyteBodyIsRefusedWithoutBeingRead() throws Exception {
        long size = 100L << 20;
        for (String path : new String[] { "/api/tools/write_file", "/mcp" }) {
            // Declared up front: refused on the Content-Length alone.
            assertThat(send(path, HttpRequest.BodyPublishers.fromPublisher(
                    HttpRequest.BodyPublishers.ofInputStream(() -> new RepeatingBody(size)), size))).as(path)
                    .isEqualTo(413);
            // Streamed without a length: refused once the limit is passed, or as soon as it is not JSON.
            assertThat(send(path, HttpRequest.BodyPublishers.ofInputStream(() -> new RepeatingBody(size)))).as(path)
                    .isBetween(400, 413);
        }
    }

    private static int send(String path, HttpRequest.BodyPublisher body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(60))
                .version(HttpClient.Version.HTTP_1_1).header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .header(McpSession.HEADER, McpSession.key("hostile-big")).POST(body).build();
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (java.io.IOException closed) {
            // The server may close the connection while the client still sends: refused all the same.
            return 413;
        }
    }

    @Test
    void deeplyNestedJsonIsRefused() throws Exception {
        String nested = "{\"command\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}";
        HttpResponse<String> rest = post("/api/tools/bash", nested.getBytes(StandardCharsets.UTF_8));
        assertThat(rest.statusCode()).isEqualTo(400);
        assertThat(rest.body()).contains("INVALID_ARGUMENT");

        String rpc = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":" + "[".repeat(100_000)
                + "]".repeat(100_000) + "}";
        assertThat(post("/mcp", rpc.getBytes(StandardCharsets.UTF_8)).body()).contains("-32700");
    }

    @Test
    void invalidUtf8IsRefused() throws Exception {
        byte[] body = "{\"command\":\"echo \u00ff\"}".getBytes(StandardCharsets.ISO_8859_1);
        HttpResponse<String> rest = post("/api/tools/bash", body);
        assertThat(rest.statusCode()).isEqualTo(400);
        assertThat(rest.body()).contains("not valid JSON");

        byte[] rpc = ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{\"x\":\"\u00fe\u00ff\"}}")
                .getBytes(StandardCharsets.ISO_8859_1);
        assertThat(post("/mcp", rpc).body()).contains("-32700");
    }

    private static HttpResponse<String> post(String path, byte[] body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                .header(McpSession.HEADER, McpSession.key("hostile")).POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int port() {
        return ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
    }

    /** A JSON-ish body of the given size made on the fly, so the test holds none of it in memory. */
    private static final class RepeatingBody extends InputStream {
        private final long size;
        private long sent;

        RepeatingBody(long size) {
            this.size = size;
        }

        @Override
        public int read() {
            return sent < size ? (sent++ == 0 ? '{' : 'a') : -1;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            if (sent >= size) {
                return -1;
            }
            int n = (int) Math.min(length, size - sent);
            java.util.Arrays.fill(buffer, offset, offset + n, (byte) 'a');
            if (sent == 0) {
                buffer[offset] = '{';
            }
            sent += n;
            return n;
        }
    }
}
