package dev.agentbox.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.agentbox.McpSession;
import dev.agentbox.conversation.ConversationConfig;
import io.quarkiverse.mcp.server.runtime.McpMessageHandler;
import io.quarkiverse.mcp.server.test.McpAssured.ToolInfo;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;

/**
 * {@code mcp-manifest/} against the running server, so that neither can drift: the registry manifest's version, tools,
 * header and {@code _meta} key, and each client configuration's address and header. {@code scripts/client-checks}
 * attaches the real clients with the same files.
 */
@QuarkusTest
class ManifestTest {

    private static final Path MANIFEST = Path.of("mcp-manifest/server.json");
    private static final Path CLIENTS = Path.of("mcp-manifest/clients");

    @TestHTTPResource("/mcp")
    URL mcp;

    @Inject
    ConversationConfig conversations;

    @Test
    void theManifestHasTheVersionTheToolsAndTheHeaderOfTheRunningServer() throws Exception {
        JsonObject manifest = json(MANIFEST);
        JsonObject serverInfo = initialize().getJsonObject("result").getJsonObject("serverInfo");
        JsonObject remote = manifest.getJsonArray("remotes").getJsonObject(0);
        JsonObject published = manifest.getJsonObject("_meta")
                .getJsonObject("io.modelcontextprotocol.registry/publisher-provided");

        assertThat(manifest.getString("version")).isEqualTo(serverInfo.getString("version"));
        assertThat(manifest.getString("title")).isEqualTo(serverInfo.getString("title"));
        assertThat(published.getJsonArray("tools").getList()).containsExactlyInAnyOrderElementsOf(toolNames());
        assertThat(published.getString("conversationMetaKey")).isEqualTo(conversations.metaKey());
        assertThat(published.getJsonArray("protocolVersions").getList())
                .isEqualTo(McpMessageHandler.SUPPORTED_PROTOCOL_VERSIONS);
        assertThat(remote.getString("type")).isEqualTo("streamable-http");
        assertThat(remote.getString("url")).isEqualTo("http://{host}/mcp");
        assertThat(remote.getJsonObject("variables").getJsonObject("host").getString("default"))
                .isEqualTo(defaultAddress());
        JsonObject header = header(remote, conversations.header());
        assertThat(header.getBoolean("isRequired")).isFalse();
        assertThat(header.getString("description")).contains(conversations.maxKeyLength() + " characters");
        assertThat(header(remote, "Authorization").getBoolean("isSecret")).isTrue();
    }

    @Test
    void theManifestKeepsTheRegistrysRules() throws Exception {
        JsonObject manifest = json(MANIFEST);

        // The limits of the registry's schema (2025-12-11) that a hand-written file can break.
        assertThat(manifest.getString("$schema")).endsWith("/2025-12-11/server.schema.json");
        assertThat(manifest.getString("name")).matches("[a-zA-Z0-9.-]+/[a-zA-Z0-9._-]+").hasSizeBetween(3, 200);
        assertThat(manifest.getString("description")).hasSizeBetween(1, 100);
        assertThat(manifest.getString("title")).hasSizeBetween(1, 100);
        assertThat(manifest.getString("version")).doesNotContainAnyWhitespaces().doesNotStartWith("^")
                .doesNotStartWith("~").doesNotContain("*");
        for (Object remote : manifest.getJsonArray("remotes")) {
            assertThat(((JsonObject) remote).getString("url")).matches("https?://[^\\s]+");
            for (Object header : ((JsonObject) remote).getJsonArray("headers")) {
                assertThat(((JsonObject) header).getString("name")).isNotBlank();
            }
        }
    }

    @Test
    void everyClientConfigurationPointsAtTheServerWithTheConversationHeader() throws Exception {
        String url = "http://" + defaultAddress() + "/mcp";

        JsonObject claudeCode = json(CLIENTS.resolve("claude-code.mcp.json")).getJsonObject("mcpServers")
                .getJsonObject("agentbox");
        assertThat(claudeCode.getString("type")).isEqualTo("http");
        assertThat(claudeCode.getString("url")).isEqualTo(url);
        assertThat(claudeCode.getJsonObject("headers").getString(conversations.header()))
                .isEqualTo("${AGENTBOX_CONVERSATION:-my-task-1}");

        JsonObject gemini = json(CLIENTS.resolve("gemini-settings.json")).getJsonObject("mcpServers")
                .getJsonObject("agentbox");
        assertThat(gemini.getString("httpUrl")).isEqualTo(url);
        assertThat(gemini.getJsonObject("headers").getString(conversations.header())).isEqualTo("my-task-1");

        JsonObject vscode = json(CLIENTS.resolve("vscode-mcp.json"));
        JsonObject server = vscode.getJsonObject("servers").getJsonObject("agentbox");
        assertThat(server.getString("type")).isEqualTo("http");
        assertThat(server.getString("url")).isEqualTo(url);
        Matcher input = Pattern.compile("\\$\\{input:([\\w-]+)}")
                .matcher(server.getJsonObject("headers").getString(conversations.header()));
        assertThat(input.matches()).isTrue();
        assertThat(vscode.getJsonArray("inputs").stream().map(i -> ((JsonObject) i).getString("id")))
                .contains(input.group(1));

        JsonObject desktop = json(CLIENTS.resolve("claude-desktop.json")).getJsonObject("mcpServers")
                .getJsonObject("agentbox");
        List<Object> args = desktop.getJsonArray("args").getList();
        assertThat(desktop.getString("command")).isEqualTo("npx");
        assertThat(args).containsSubsequence("-y", "mcp-remote@" + pinnedMcpRemote(), url, "--header",
                conversations.header() + ":${AGENTBOX_CONVERSATION}");
        assertThat(desktop.getJsonObject("env").getString("AGENTBOX_CONVERSATION")).isEqualTo("my-task-1");
    }

    @Test
    void theOneLineCommandsAreTheOnesTheDocumentationShows() throws Exception {
        String manifestReadme = Files.readString(Path.of("mcp-manifest/README.md"));
        String readme = Files.readString(Path.of("README.md"));
        String url = "http://" + defaultAddress() + "/mcp";

        for (String file : List.of("claude-code.sh", "gemini-cli.sh")) {
            String command = Files.readString(CLIENTS.resolve(file)).strip();
            assertThat(command).contains(url).contains("--header \"" + conversations.header() + ": my-task-1\"");
            assertThat(manifestReadme).as("mcp-manifest/README.md shows " + file).contains(command);
        }
        assertThat(readme).as("README.md shows the Claude Code command")
                .contains(Files.readString(CLIENTS.resolve("claude-code.sh")).strip());
    }

    /** Where the packaged server listens by default (tests run on a port of their own). */
    private static String defaultAddress() throws Exception {
        Properties properties = new Properties();
        try (var in = Files.newInputStream(Path.of("src/main/resources/application.properties"))) {
            properties.load(in);
        }
        return properties.getProperty("quarkus.http.host") + ":" + properties.getProperty("quarkus.http.port");
    }

    private static String pinnedMcpRemote() throws Exception {
        Matcher pin = Pattern.compile("MCP_REMOTE=mcp-remote@(\\S+)")
                .matcher(Files.readString(Path.of("scripts/client-checks")));
        assertThat(pin.find()).as("scripts/client-checks pins mcp-remote").isTrue();
        return pin.group(1);
    }

    private static JsonObject header(JsonObject remote, String name) {
        return remote.getJsonArray("headers").stream().map(JsonObject.class::cast)
                .filter(h -> h.getString("name").equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("the manifest has no header " + name));
    }

    private static JsonObject json(Path file) throws Exception {
        return new JsonObject(Files.readString(file));
    }

    private List<String> toolNames() {
        AtomicReference<List<String>> names = new AtomicReference<>();
        try (McpSession session = McpSession.open("manifest")) {
            session.client().when().toolsList(page -> names.set(page.tools().stream().map(ToolInfo::name).toList()))
                    .thenAssertResults();
        }
        return names.get();
    }

    private JsonObject initialize() throws Exception {
        JsonObject message = new JsonObject().put("jsonrpc", "2.0").put("id", 1).put("method", "initialize")
                .put("params", new JsonObject().put("protocolVersion", "2025-11-25").put("capabilities", Map.of())
                        .put("clientInfo", Map.of("name", "manifest-test", "version", "1")));
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(mcp.toURI())
                .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(message.encode())).build(),
                HttpResponse.BodyHandlers.ofString());
        return new JsonObject(response.body());
    }
}
