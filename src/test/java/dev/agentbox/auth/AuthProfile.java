package dev.agentbox.auth;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The server with authentication on: API keys for a few principals (one an administrator, one allowed to read
 * metrics), the test OpenID provider, and quotas small enough to reach in a test, each tried by a principal of its
 * own so that tests do not eat each other's quota.
 */
public class AuthProfile implements QuarkusTestProfile {

    public static final String ALICE = "abk_alice-key-for-tests-only-0000000001";
    public static final String BOB = "abk_bob-key-for-tests-only-000000000002";
    public static final String ROOT = "abk_root-key-for-tests-only-00000000003";
    public static final String METRICS = "abk_metrics-key-for-tests-only-0000004";
    public static final String FLOOD = "abk_flood-key-for-tests-only-000000005";
    public static final String HOARDER = "abk_hoarder-key-for-tests-only-0000006";

    public static final int CALLS_PER_MINUTE = 200;
    public static final String CARL = "abk_carl-key-for-tests-only-00000000007";

    public static final int SANDBOXES = 12;
    public static final int JOBS = 4;
    public static final int CONCURRENT_CALLS = 6;

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> config = new HashMap<>();
        config.put("agentbox.auth.mode", "ON");
        key(config, "alice", ALICE, null);
        key(config, "bob", BOB, null);
        key(config, "root", ROOT, "admin");
        key(config, "prometheus", METRICS, "metrics");
        key(config, "flood", FLOOD, null);
        key(config, "hoarder", HOARDER, null);
        key(config, "carl", CARL, null);
        config.put("agentbox.limits.calls-per-minute", Integer.toString(CALLS_PER_MINUTE));
        config.put("agentbox.limits.sandboxes-per-principal", Integer.toString(SANDBOXES));
        config.put("agentbox.limits.running-jobs-per-principal", Integer.toString(JOBS));
        config.put("agentbox.limits.concurrent-calls-per-conversation", Integer.toString(CONCURRENT_CALLS));
        return config;
    }

    private static void key(Map<String, String> config, String name, String key, String roles) {
        config.put("agentbox.auth.api-keys." + name + ".sha256", ApiKeys.sha256(key));
        if (roles != null) {
            config.put("agentbox.auth.api-keys." + name + ".roles", roles);
        }
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(OidcTestServer.class));
    }

    /** @return the header value that authenticates with the key */
    public static String bearer(String key) {
        return "Bearer " + key;
    }
}
