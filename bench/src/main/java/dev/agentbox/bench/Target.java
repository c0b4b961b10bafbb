package dev.agentbox.bench;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The agentbox server under test, started by bench/run: where it listens and where it keeps its state.
 *
 * @param mcp the MCP endpoint
 * @param pid the server's process id
 * @param stateDir its agentbox.local.state-dir
 * @param runtimeDir its agentbox.local.runtime-dir
 * @param cgroupParent its agentbox.local.cgroup-parent
 * @param log its console log
 * @param run a string unique to this run, for conversation keys
 * @param apiKey an API key sent as a Bearer token when the server runs with authentication on, or empty
 */
record Target(URI mcp, long pid, Path stateDir, Path runtimeDir, String cgroupParent, Path log, String run,
        String apiKey) {

    /** A new MCP session bound to a conversation of this run. */
    McpHttp session(String conversation) throws Exception {
        Map<String, String> headers = new java.util.HashMap<>(Map.of("Agentbox-Conversation",
                conversation + "-" + run));
        if (!apiKey.isEmpty()) {
            headers.put("Authorization", "Bearer " + apiKey);
        }
        return new McpHttp(mcp, headers);
    }

    /** @return what the local backend recorded about a conversation's running sandbox */
    JsonNode sandboxRecord(String conversationId) throws Exception {
        return McpHttp.JSON.readTree(Files.readAllBytes(stateDir.resolve("conversations").resolve(conversationId)
                .resolve("sandbox/sandbox.json")));
    }

    /** @return the server's resident memory in bytes */
    long serverRss() throws Exception {
        return Procs.rss(pid);
    }
}
