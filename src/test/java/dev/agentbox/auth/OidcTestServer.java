package dev.agentbox.auth;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.jose4j.jwk.RsaJsonWebKey;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A stand-in OpenID provider on loopback for tests: it serves a discovery document and a JWKS with the public half of
 * {@link TestTokens}' key, so that quarkus-oidc verifies test-signed tokens exactly as it would a real provider's
 * (discovery, key lookup by key id, signature, issuer, audience, expiry). It issues no tokens itself.
 */
public class OidcTestServer implements QuarkusTestResourceLifecycleManager {

    /** The issuer the provider claims; tokens must carry it. Fixed so tests can sign without asking the server. */
    public static final String ISSUER_PATH = "/realms/agentbox-test";
    private static final int PORT = 38000 + (int) (ProcessHandle.current().pid() % 1000);

    private HttpServer server;

    /** @return the issuer URL tokens must carry */
    public static String issuer() {
        return "http://127.0.0.1:" + PORT + ISSUER_PATH;
    }

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", PORT), 0);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot start the test OpenID provider on port " + PORT, e);
        }
        RsaJsonWebKey jwk = new RsaJsonWebKey(TestTokens.publicKey());
        jwk.setKeyId(TestTokens.KEY_ID);
        jwk.setAlgorithm("RS256");
        jwk.setUse("sig");
        String jwks = "{\"keys\":[" + jwk.toJson() + "]}";
        String discovery = "{\"issuer\":\"" + issuer() + "\",\"jwks_uri\":\"" + issuer() + "/jwks\","
                + "\"token_endpoint\":\"" + issuer() + "/token\",\"authorization_endpoint\":\"" + issuer()
                + "/auth\",\"id_token_signing_alg_values_supported\":[\"RS256\"]}";
        server.createContext(ISSUER_PATH + "/.well-known/openid-configuration", e -> reply(e, discovery));
        server.createContext(ISSUER_PATH + "/jwks", e -> reply(e, jwks));
        server.start();
        return Map.of("quarkus.oidc.tenant-enabled", "true", "quarkus.oidc.auth-server-url", issuer(),
                "quarkus.oidc.token.audience", TestTokens.AUDIENCE,
                "quarkus.oidc.resource-metadata.force-https-scheme", "false");
    }

    private static void reply(HttpExchange exchange, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }
}
